"""getResolvedOptions of awsglue.utils (test stand-in; see awsglue/__init__.py)."""
import argparse


def getResolvedOptions(args, options):
    """{name: value} of each `--name value` (or `--name=value`) in args; exits 2 naming a missing one.

    As Glue's, unknown arguments are ignored and every requested name is required."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for name in options:
        parser.add_argument("--" + name, required=True)
    parsed, _unknown = parser.parse_known_args(list(args[1:]))
    return vars(parsed)
