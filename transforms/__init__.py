"""Thin Beam PTransforms around the pure algorithms in ``newsdedup``: one stage per module."""
