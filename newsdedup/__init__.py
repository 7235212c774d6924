"""newsdedup: multilingual news-wire deduplication.

The top-level package holds the pure algorithms (no Beam imports);
`newsdedup.transforms` wraps them as Beam PTransforms and
`newsdedup.pipeline` composes the stages and parses options.
"""

__version__ = "0.1.0"
