"""Composition of the newsdedup stages, configuration and the command line."""
