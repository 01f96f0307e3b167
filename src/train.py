"""`python -m train` from a checkout: the `ofsted-train` command (ofsted_themes.cli.train)."""

from ofsted_themes.cli.train import run

if __name__ == "__main__":
    run()
