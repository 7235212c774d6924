"""newsdedup: installable package; Beam ships it to remote workers with --setup_file."""

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent


def requirements(name: str) -> list[str]:
    lines = (ROOT / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith(("#", "-"))]


setup(
    name="newsdedup",
    version="0.1.0",
    description="Multilingual news-wire deduplication: copies with MinHash, stories with embeddings, on Apache Beam",
    python_requires=">=3.10",
    packages=[
        "newsdedup",
        "newsdedup.embedding",
        "newsdedup.pipeline",
        "newsdedup.report",
        "newsdedup.stories",
        "newsdedup.transforms",
    ],
    package_dir={
        "newsdedup": "newsdedup",
        "newsdedup.pipeline": "pipeline",
        "newsdedup.transforms": "transforms",
    },
    install_requires=requirements("requirements.txt"),
    extras_require={"test": requirements("requirements-test.txt")},
    entry_points={"console_scripts": ["newsdedup=newsdedup.pipeline.cli:main"]},
)
