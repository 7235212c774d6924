"""Story clustering, one concern per module: similarity, candidate graph, cutting, linkage (driver: ``newsdedup.cluster``)."""
