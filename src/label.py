"""`python -m label` from a checkout: the `ofsted-label` command (ofsted_themes.cli.label)."""

from ofsted_themes.cli.label import run

if __name__ == "__main__":
    run()
