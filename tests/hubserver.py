"""Loopback fake of the Hugging Face Hub HTTP API, for offline tests of Fine-Tune Studio.

The Hub is unreachable in CI, so tests set ``HF_ENDPOINT`` to this server *before* importing huggingface_hub,
datasets or transformers (they read it at import time) and drive the real, unpatched libraries against it.
Emulated (anything else gets a plain JSON 404):

* repo info ``GET /api/<type>s/<ns>/<name>[/revision/<rev>]`` (``sha``, ``siblings``, sizes/LFS info on
  ``?blobs=true``, ``cardData`` + ``tags`` from the README YAML, ``pipeline_tag``, ``safetensors``) and listings
  ``GET /api/{models,datasets}`` (``search``, ``author``, ``filter``, ``pipeline_tag``, ``limit``);
* ``GET .../tree/<rev>[/<path>]`` and ``POST .../paths-info/<rev>``, used by ``HfFileSystem`` (so by datasets);
* ``GET``/``HEAD [/datasets]/<id>/resolve/<rev>/<file>`` with the headers ``hf_hub_download`` requires
  (``X-Repo-Commit``, ``ETag``, ``X-Linked-Etag``/``X-Linked-Size``, ``Content-Length``, ``Accept-Ranges``) and
  ``Range`` support (streaming datasets, safetensors header reads);
* the Hub's error protocol: 404 + ``X-Error-Code: RepoNotFound|RevisionNotFound|EntryNotFound``, 401/403 +
  ``X-Error-Code: GatedRepo``, with ``X-Error-Message`` and a JSON ``{"error": ...}`` body, which the libraries
  map to ``RepositoryNotFoundError``, ``RevisionNotFoundError``, ``EntryNotFoundError``, ``GatedRepoError``;
* writes: ``POST /api/repos/create`` (409 if it exists, so ``exist_ok=True`` works), ``POST .../preupload/<rev>``
  and the NDJSON ``POST .../commit/<rev>``. By default preupload answers ``"regular"`` for every file, so the
  client inlines base64 contents in the commit and never starts a Xet upload (there is no CAS server here). With
  ``lfs_uploads = True``, files the real Hub keeps in LFS (binary suffixes, > 10 MB) are ``"lfs"`` instead; the
  client then needs ``HF_HUB_DISABLE_XET=1`` and uses the legacy LFS batch API (``POST <id>.git/info/lfs/objects/
  batch`` + a basic ``PUT``), also served. ``Dataset.push_to_hub`` needs this (it deletes pre-uploaded shards);
* ``GET /api/whoami-v2``, ``POST /api/validate-yaml`` (always valid) and ``GET /api/agent-harnesses`` (empty
  registry; huggingface_hub fetches it once per ``HF_HOME``).

Repos are folders ``root/models/<ns>/<name>/`` and ``root/datasets/<ns>/<name>/``, each with one fixed commit sha,
``sha1(repo_id)``; revisions ``main`` and that sha are accepted. Every request is logged in ``requests`` as
``(method, raw_path, headers)`` with lower-cased header names (e.g. ``headers.get("authorization")``).
Stdlib only: a small YAML-subset reader parses README front matter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import shutil
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DATE = "2024-01-01T00:00:00.000Z"
KINDS = ("models", "datasets")
ARCH_TASKS = {"ForMaskedLM": "fill-mask", "ForSequenceClassification": "text-classification",
              "ForTokenClassification": "token-classification", "ForCausalLM": "text-generation"}
LFS_SUFFIXES = {".safetensors", ".bin", ".parquet", ".arrow", ".pt", ".pth", ".h5", ".msgpack", ".onnx", ".gz"}


def _scalar(s: str):
    s = s.strip()
    if len(s) > 1 and s[0] in "\"'" and s[-1] == s[0]:
        return s[1:-1]
    if s[:1] == "[" and s[-1:] == "]":
        return [_scalar(x) for x in s[1:-1].split(",") if x.strip()]
    if s.lower() in ("true", "false", "null", "~", ""):
        return {"true": True, "false": False}.get(s.lower())
    for cast in (int, float):
        try:
            return cast(s)
        except ValueError:
            pass
    return s


def parse_front_matter(text: str) -> dict | None:
    """YAML header of a README: block mappings/sequences, scalars, flow lists, ``|``/``>`` blocks."""
    if not text.startswith("---"):
        return None
    head = text.split("\n---", 1)[0].split("\n", 1)[-1]
    lines = [(len(x) - len(x.lstrip(" ")), x.strip()) for x in head.splitlines() if x.strip() and x.strip()[0] != "#"]

    def is_item(i):
        return lines[i][1] == "-" or lines[i][1].startswith("- ")

    def block(i, ind):  # parse the block starting at line i (indent ind) -> (value, next line)
        out: list | dict = [] if is_item(i) else {}
        while i < len(lines) and lines[i][0] == ind and is_item(i) == isinstance(out, list):
            if isinstance(out, list):
                rest = lines[i][1][1:].strip()
                if not rest:
                    val, i = block(i + 1, lines[i + 1][0])
                elif rest[0] not in "\"'[{" and ":" in rest and rest.split(":", 1)[1][:1] in ("", " "):
                    lines[i] = (ind + 2, rest)  # "- key: v" starts a mapping indented like its siblings
                    val, i = block(i, ind + 2)
                else:
                    val, i = _scalar(rest), i + 1
                out.append(val)
                continue
            key, _, rest = lines[i][1].partition(":")
            key, rest, i = key.strip().strip("\"'"), rest.strip(), i + 1
            if rest in ("|", ">", "|-", ">-"):
                j = i
                while j < len(lines) and lines[j][0] > ind:
                    j += 1
                out[key], i = "\n".join(t for _, t in lines[i:j]), j
            elif rest or i >= len(lines) or not (lines[i][0] > ind or (lines[i][0] == ind and is_item(i))):
                out[key] = _scalar(rest)
            else:
                out[key], i = block(i, lines[i][0])
        return out, i

    try:
        return block(0, lines[0][0])[0] if lines else {}
    except Exception:
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real Hub; every response carries Content-Length
    timeout = 60

    def log_message(self, *args):
        pass

    def setup(self):  # track keep-alive connections so stop() can cut them (else they keep serving)
        super().setup()
        self.server.conns.add(self.connection)

    def finish(self):
        super().finish()
        self.server.conns.discard(self.connection)

    def handle(self):
        try:
            super().handle()
        except ConnectionError:  # client dropped a keep-alive connection: not a server error
            pass

    def _dispatch(self):
        try:
            self.server.hub._handle(self)
        except ConnectionError:
            raise
        except Exception as e:  # a 400 is not retried (a dropped connection or a 5xx is, with seconds of backoff)
            self.server.hub._error(self, 400, None, f"FakeHub could not handle {self.command} {self.path}: {e!r}")

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch


class FakeHub:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.requests: list[tuple[str, str, dict]] = []
        self.gated: set[str] = set()
        self.private: set[str] = set()  # create_repo(private=True) adds here; hidden (404) without a token
        self.lfs_uploads = False  # False: every upload is "regular" (see module docstring)
        self.cut_downloads: set[str] = set()  # repo ids whose file downloads break half way
        self.read_only_tokens: set[str] = set()  # whoami says role "read"; writes get 403
        self.invalid_tokens: set[str] = set()  # whoami and writes get 401
        self.endpoint = ""
        self._hashes: dict = {}
        self._server: ThreadingHTTPServer | None = None

    def start(self, port: int = 0) -> str:
        """Serve in a daemon thread on 127.0.0.1:port (0 = a free port); returns the endpoint URL."""
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads, self._server.hub, self._server.conns = True, self, set()
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown(), self._server.server_close()
            for conn in list(self._server.conns):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._server = None

    def add_model(self, repo_id: str, src_dir: Path) -> None:
        shutil.copytree(src_dir, self.root / "models" / repo_id, dirs_exist_ok=True)

    def add_dataset(self, repo_id: str, files: dict[str, bytes | Path]) -> None:
        for name, content in files.items():
            target = self.root / "datasets" / repo_id / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content if isinstance(content, (bytes, bytearray)) else Path(content).read_bytes())

    @staticmethod
    def commit_sha(repo_id: str) -> str:
        return hashlib.sha1(repo_id.encode()).hexdigest()

    def _meta(self, f: Path) -> tuple[int, str, str]:
        """(size, git blob sha1, sha256) of a file, cached by mtime/size."""
        st = f.stat()
        key = (str(f), st.st_mtime_ns, st.st_size)
        if key not in self._hashes:
            data = f.read_bytes()
            git = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # git's blob oid
            self._hashes[key] = (len(data), git, hashlib.sha256(data).hexdigest())
        return self._hashes[key]

    @staticmethod
    def _is_lfs(path: str, size: int) -> bool:
        return Path(path).suffix in LFS_SUFFIXES or size > 10_000_000

    @staticmethod
    def _files(base: Path) -> list[str]:
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file() and ".git" not in p.parts)

    def _entry(self, base: Path, path: str, rid: str, expand: bool) -> dict:
        if (base / path).is_dir():
            e = {"type": "directory", "oid": hashlib.sha1(path.encode()).hexdigest(), "size": 0, "path": path}
        else:
            size, git, sha256 = self._meta(base / path)
            e = {"type": "file", "oid": git, "size": size, "path": path}
            if self._is_lfs(path, size):
                e["lfs"] = {"oid": sha256, "size": size, "pointerSize": 134}
        if expand:
            e["lastCommit"] = {"id": self.commit_sha(rid), "title": "Upload", "date": DATE}
        return e

    def _info(self, kind: str, rid: str, blobs: bool) -> dict:
        base, sha, siblings = self.root / kind / rid, self.commit_sha(rid), []
        for e in (self._entry(base, p, rid, False) for p in self._files(base)):
            sibling = {"rfilename": e["path"]}
            if blobs:  # HfApi(...).model_info(files_metadata=True)
                sibling.update(size=e["size"], blobId=e["oid"])
                if "lfs" in e:
                    sibling["lfs"] = {"size": e["size"], "sha256": e["lfs"]["oid"], "pointerSize": 134}
            siblings.append(sibling)
        info = {"_id": sha[:24], "id": rid, "author": rid.split("/")[0], "sha": sha, "private": rid in self.private,
                "gated": "auto" if rid in self.gated else False, "disabled": False, "downloads": 0, "likes": 0,
                "tags": [], "lastModified": DATE, "createdAt": DATE, "siblings": siblings,
                "usedStorage": sum((base / p).stat().st_size for p in self._files(base))}
        readme = base / "README.md"
        card = parse_front_matter(readme.read_text("utf-8", "replace")) if readme.is_file() else None
        card = card if isinstance(card, dict) else {}
        if card:  # tags as the Hub derives them from the card, e.g. "task_categories:text-classification"
            info.update(cardData=card, tags=[t for t in card.get("tags") or [] if isinstance(t, str)])
            for key in ("task_categories", "task_ids", "language", "license"):
                values = card.get(key) if isinstance(card.get(key), list) else [card.get(key)]
                info["tags"] += [f"{key}:{v}" for v in values if isinstance(v, str)]
        if kind == "models":
            info.update(modelId=rid, library_name=card.get("library_name"), pipeline_tag=card.get("pipeline_tag"))
            if not info["pipeline_tag"] and (base / "config.json").is_file():  # the Hub infers it from the config
                archs = json.loads((base / "config.json").read_text()).get("architectures") or [""]
                info["pipeline_tag"] = next((t for k, t in ARCH_TASKS.items() if archs[0].endswith(k)), None)
            if (base / "model.safetensors").is_file():
                with open(base / "model.safetensors", "rb") as fh:
                    header = json.loads(fh.read(int.from_bytes(fh.read(8), "little")))
                params: dict[str, int] = {}
                for name, t in header.items():
                    if name != "__metadata__":
                        params[t["dtype"]] = params.get(t["dtype"], 0) + math.prod(t["shape"])
                info["safetensors"] = {"parameters": params, "total": sum(params.values())}
        return info

    @staticmethod
    def _read_body(h) -> bytes:
        if "chunked" not in h.headers.get("Transfer-Encoding", "").lower():
            return h.rfile.read(int(h.headers.get("Content-Length") or 0))
        out = b""
        while (n := int(h.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
            out += h.rfile.read(n)
            h.rfile.readline()
        while h.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return out

    @staticmethod
    def _send(h, status: int, body: bytes | dict | list = b"", headers: dict | None = None) -> None:
        ctype = "application/octet-stream"
        if not isinstance(body, bytes):
            body, ctype = json.dumps(body).encode(), "application/json"
        h.send_response(status)
        for k, v in {"Content-Type": ctype, "Content-Length": str(len(body)), **(headers or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def _error(self, h, status: int, code: str | None, msg: str, headers: dict | None = None) -> None:
        hdrs = {"X-Error-Message": msg, **({"X-Error-Code": code} if code else {}), **(headers or {})}
        self._send(h, status, {"error": msg}, hdrs)

    def _check(self, h, kind: str, rid: str, rev: str | None, auth: str | None, content: bool) -> bool:
        """False (after answering like the Hub) for a missing/private repo, unknown revision or gated content."""
        if not (self.root / kind / rid).is_dir() or (rid in self.private and not auth):
            self._error(h, 404, "RepoNotFound", "Repository not found")
        elif rev not in (None, "main", self.commit_sha(rid)):
            self._error(h, 404, "RevisionNotFound", f"Invalid rev id: {rev}")
        elif content and rid in self.gated:
            why = " and you are not in the authorized list." if auth else \
                ". You must have access to it and be authenticated to access it. Please log in."
            self._error(h, 403 if auth else 401, "GatedRepo", f"Access to {kind[:-1]} {rid} is restricted{why}")
        else:
            return True
        return False

    def _handle(self, h) -> None:
        url, m = urlsplit(h.path), h.command
        seg, q = [unquote(s) for s in url.path.split("/")[1:]], parse_qs(url.query)
        body = self._read_body(h) if m in ("POST", "PUT", "DELETE") else b""
        auth = h.headers.get("Authorization")
        self.requests.append((m, h.path, {k.lower(): v for k, v in h.headers.items()}))
        kind, rest = ("datasets", seg[1:]) if seg[:1] == ["datasets"] else ("models", seg)
        if seg == ["api", "agent-harnesses"]:
            self._send(h, 200, {"standardEnvVars": [], "harnesses": {}})
        elif auth and auth.removeprefix("Bearer ") in self.invalid_tokens:
            self._error(h, 401, None, "Invalid credentials in Authorization header")
        elif seg == ["api", "whoami-v2"] and auth:
            role = "read" if auth.removeprefix("Bearer ") in self.read_only_tokens else "write"
            self._send(h, 200, {"type": "user", "name": "user", "fullname": "Test User", "orgs": [],
                                "auth": {"type": "access_token", "accessToken": {"displayName": "t", "role": role}}})
        elif m == "POST" and auth and auth.removeprefix("Bearer ") in self.read_only_tokens:
            self._error(h, 403, None, "You don't have the rights to create or write to this repo")
        elif len(seg) == 2 and seg[0] == "api" and seg[1] in KINDS and m == "GET":
            self._list(h, seg[1], q, auth)
        elif seg == ["api", "validate-yaml"] and m == "POST":  # create_commit checks README.md metadata first
            self._send(h, 200, {"errors": [], "warnings": []})
        elif seg == ["api", "repos", "create"] and m == "POST":
            self._create(h, json.loads(body or b"{}"), auth)
        elif len(seg) >= 4 and seg[0] == "api" and seg[1] in KINDS and ".." not in seg:
            self._repo_api(h, seg[1], f"{seg[2]}/{seg[3]}", seg[4:], q, body, auth)
        elif len(rest) >= 5 and rest[2] == "resolve" and m in ("GET", "HEAD") and ".." not in rest:
            self._resolve(h, kind, f"{rest[0]}/{rest[1]}", rest[3], "/".join(rest[4:]), auth)
        elif len(rest) == 6 and rest[1].endswith(".git") and rest[2:] == ["info", "lfs", "objects", "batch"] and auth:
            self._lfs_batch(h, kind, f"{rest[0]}/{rest[1][:-4]}", json.loads(body or b"{}"), auth)
        elif len(seg) == 2 and seg[0] == "_lfs" and m == "PUT":  # LFS "basic" transfer target (see _lfs_batch)
            if hashlib.sha256(body).hexdigest() != seg[1]:
                return self._error(h, 400, None, "Content does not match its sha256 oid")
            (self.root / "_lfs").mkdir(exist_ok=True)
            (self.root / "_lfs" / seg[1]).write_bytes(body)
            self._send(h, 200, {})
        elif seg == ["api", "whoami-v2"] or rest[2:3] == ["info"]:  # same routes as above, without a token
            self._error(h, 401, None, "Invalid username or password.")
        else:
            self._error(h, 404, None, "Not Found")

    def _list(self, h, kind: str, q: dict, auth: str | None) -> None:
        """search (substring of the id), author, filter (tags, all must match), pipeline_tag, limit."""
        terms, out = [t.lower() for t in q.get("search", [])], []
        for d in sorted(p for p in (self.root / kind).glob("*/*") if p.is_dir()):
            rid = f"{d.parent.name}/{d.name}"
            if (rid in self.private and not auth) or not all(t in rid.lower() for t in terms):
                continue
            info = self._info(kind, rid, blobs=False)
            wanted = {"author": info["author"], "pipeline_tag": info.get("pipeline_tag")}
            if set(q.get("filter", [])) <= set(info["tags"]) and all(q.get(k, [v])[0] == v for k, v in wanted.items()):
                out.append(info)
        self._send(h, 200, out[: int(q["limit"][0])] if "limit" in q else out)

    def _create(self, h, payload: dict, auth: str | None) -> None:
        kind = (payload.get("type") or "model") + "s"
        rid = f"{payload.get('organization') or 'user'}/{payload.get('name')}"
        url = f"{self.endpoint}/{'datasets/' if kind == 'datasets' else ''}{rid}"
        if not auth:
            return self._error(h, 401, None, "Invalid username or password.")
        if kind not in KINDS or ".." in rid:
            return self._error(h, 400, None, f"Unsupported repo {kind} {rid}")
        if (self.root / kind / rid).exists():
            return self._send(h, 409, {"error": f"You already created this {kind[:-1]} repo", "url": url})
        (self.root / kind / rid).mkdir(parents=True)
        if payload.get("visibility") == "private" or payload.get("private") is True:
            self.private.add(rid)
        self._send(h, 200, {"url": url, "name": rid, "id": self.commit_sha(rid)[:24]})

    def _repo_api(self, h, kind: str, rid: str, rest: list, q: dict, body: bytes, auth: str | None) -> None:
        base, m, (op, rev) = self.root / kind / rid, h.command, (rest + [None, None])[:2]

        def flag(name: str) -> bool:
            return str(q.get(name, ["false"])[0]).lower() in ("1", "true")

        if (op is None or (op == "revision" and len(rest) == 2)) and m == "GET":
            if self._check(h, kind, rid, rev, auth, content=False):
                self._send(h, 200, self._info(kind, rid, blobs=flag("blobs")))
        elif op == "tree" and rev and m == "GET":
            path = "/".join(rest[2:]).strip("/")
            if self._check(h, kind, rid, rev, auth, content=True):
                if not (base / path).is_dir():
                    return self._error(h, 404, "EntryNotFound", f'{path} does not exist on "{rev}"')
                items = (base / path).rglob("*") if flag("recursive") else (base / path).iterdir()
                paths = sorted(p.relative_to(base).as_posix() for p in items if ".git" not in p.relative_to(base).parts)
                self._send(h, 200, [self._entry(base, p, rid, flag("expand")) for p in paths])
        elif op == "paths-info" and rev and m == "POST":
            if self._check(h, kind, rid, rev, auth, content=True):
                q = json.loads(body) if body[:1] == b"{" else parse_qs(body.decode())
                paths = [p.strip("/") for p in q.get("paths", []) if ".." not in p.split("/")]
                paths = [p for p in paths if p and (base / p).exists()]
                self._send(h, 200, [self._entry(base, p, rid, flag("expand")) for p in paths])
        elif op in ("preupload", "commit") and rev and m == "POST":
            if not auth:
                return self._error(h, 401, None, "Invalid username or password.")
            if self._check(h, kind, rid, rev, auth, content=False):
                (self._preupload if op == "preupload" else self._commit)(h, kind, rid, body)
        else:
            self._error(h, 404, None, "Not Found")

    def _preupload(self, h, kind: str, rid: str, body: bytes) -> None:
        files = []
        for f in json.loads(body)["files"]:
            lfs = self.lfs_uploads and self._is_lfs(f["path"], f["size"])
            target = self.root / kind / rid / f["path"]
            oid = self._meta(target)[2 if lfs else 1] if target.is_file() else None  # client skips unchanged files
            files.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular", "shouldIgnore": False,
                          "oid": oid})
        self._send(h, 200, {"files": files, "commitOid": self.commit_sha(rid)})

    def _commit(self, h, kind: str, rid: str, body: bytes) -> None:
        base = self.root / kind / rid
        for item in (json.loads(line) for line in body.splitlines() if line.strip()):
            key, value = item["key"], item["value"]
            if key == "header":
                continue
            if ".." in Path(value["path"]).parts or value["path"].startswith("/"):
                return self._error(h, 400, None, f"Invalid path {value['path']}")
            target = base / value["path"]
            if key in ("file", "lfsFile"):
                target.parent.mkdir(parents=True, exist_ok=True)
            if key == "file":
                target.write_bytes(base64.b64decode(value["content"]))
            elif key == "lfsFile":
                if not (self.root / "_lfs" / value["oid"]).is_file():
                    return self._error(h, 422, None, f"LFS object {value['oid']} was never uploaded")
                shutil.copyfile(self.root / "_lfs" / value["oid"], target)
            elif key == "deletedFile":
                target.unlink(missing_ok=True)
            elif key == "deletedFolder":
                shutil.rmtree(target, ignore_errors=True)
        sha = self.commit_sha(rid)
        url = f"{self.endpoint}/{'datasets/' if kind == 'datasets' else ''}{rid}/commit/{sha}"
        self._send(h, 200, {"success": True, "commitOid": sha, "commitUrl": url, "pullRequestUrl": None})

    def _lfs_batch(self, h, kind: str, rid: str, payload: dict, auth: str | None) -> None:
        if self._check(h, kind, rid, None, auth, content=False):
            objects = [{"oid": o["oid"], "size": o["size"], "authenticated": True,
                        **({} if (self.root / "_lfs" / o["oid"]).is_file() else  # already stored: no upload action
                           {"actions": {"upload": {"href": f"{self.endpoint}/_lfs/{o['oid']}"}}})}
                       for o in payload.get("objects", [])]
            self._send(h, 200, {"transfer": "basic", "objects": objects},
                       {"Content-Type": "application/vnd.git-lfs+json"})

    def _resolve(self, h, kind: str, rid: str, rev: str, path: str, auth: str | None) -> None:
        if not self._check(h, kind, rid, rev, auth, content=True):
            return
        sha, f = self.commit_sha(rid), self.root / kind / rid / path
        if not f.is_file():
            return self._error(h, 404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": sha})
        size, git, sha256 = self._meta(f)
        headers = {"X-Repo-Commit": sha, "ETag": f'"{git}"', "Accept-Ranges": "bytes", "Content-Length": str(size)}
        if self._is_lfs(path, size):  # the real Hub redirects LFS files to a CDN; we serve them directly
            headers.update({"ETag": f'"{sha256}"', "X-Linked-Etag": f'"{sha256}"', "X-Linked-Size": str(size)})
        rng = h.headers.get("Range", "")
        if rid in self.cut_downloads and h.command == "GET" and size > 1024:
            h.send_response(200)  # promise the whole file, send half, hang up: a network failure
            for key, value in headers.items():
                h.send_header(key, value)
            h.end_headers()
            h.wfile.write(f.read_bytes()[: size // 2])
            h.wfile.flush()
            h.close_connection = True
            return None
        if not rng.startswith("bytes=") or h.command == "HEAD":
            return self._send(h, 200, f.read_bytes() if h.command == "GET" else b"", headers)
        first, _, last = rng[6:].split(",")[0].strip().partition("-")  # "a-b", "a-" or suffix "-n"
        if first:
            start, end = int(first), min(int(last or size - 1), size - 1)
        else:
            start, end = max(size - int(last), 0), size - 1
        if start >= size or start > end:
            return self._send(h, 416, b"", {**headers, "Content-Range": f"bytes */{size}", "Content-Length": "0"})
        with open(f, "rb") as fh:
            fh.seek(start)
            data = fh.read(end - start + 1)
        headers.update({"Content-Range": f"bytes {start}-{end}/{size}", "Content-Length": str(len(data))})
        self._send(h, 206, data, headers)


def silent_server() -> tuple[socket.socket, list[socket.socket]]:
    """A server that accepts connections and never answers (a Hub that hangs): the listening
    socket, to close when done, and the accepted connections, kept open, to count."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, held
