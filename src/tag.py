"""`python -m tag` from a checkout: the `ofsted-tag` command (ofsted_themes.cli.tag)."""

from ofsted_themes.cli.tag import run

if __name__ == "__main__":
    run()
