"""Launch the app in-process and drive it through ``gradio_client`` like any API user would.

``App.call(api_name, **values)`` builds the positional arguments of a real UI event from the
widgets' ``elem_id`` (``field-<RunConfig field>`` for settings), so tests exercise the very
handlers the buttons trigger, not a parallel API.
"""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class App:
    def __init__(self, demo, url: str, studio) -> None:
        from gradio_client import Client

        self.demo, self.url, self.studio = demo, url.rstrip("/"), studio
        self.client = Client(url, verbose=False)

    def new_session(self) -> App:
        return App(self.demo, self.url, self.studio)

    def args(self, api_name: str, **values):
        from engine.config import default_of

        fn = next(f for f in self.demo.fns.values() if f.api_name == api_name)
        out = []
        for component in fn.inputs:
            if type(component).__name__ == "State":
                continue  # kept per session by the server, not sent by API clients
            key = (component.elem_id or "").removeprefix("field-")
            if key in values:
                out.append(values[key])
            elif (component.elem_id or "").startswith("field-"):
                out.append(default_of(key))
            else:
                out.append(component.value)
        return out

    def call(self, api_name: str, **values):
        return self.client.predict(*self.args(api_name, **values), api_name="/" + api_name)


def launch(studio) -> App:
    from ui.app import build_app
    from ui.launch import launch_kwargs

    demo = build_app(studio)
    demo.queue()
    _, url, _ = demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True,
                            **launch_kwargs(studio.settings))
    return App(demo, url, studio)
