"""``python -m crimelink``: the ``crimelink`` command, where no script is on the PATH."""

from crimelink.cli import main

if __name__ == "__main__":
    main()
