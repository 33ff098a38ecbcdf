"""`python -m qa_app …` runs the `qa` command (where the console script is not on PATH)."""

from qa_app.cli import main

if __name__ == "__main__":
    main(prog_name="qa")
