"""Fine-Tune Studio: ``python app.py`` serves the web app on http://127.0.0.1:7860.

Runs fully offline on the built-in samples and checkpoint. See README.md.
"""

from ui.launch import main

if __name__ == "__main__":
    main()
