"""Arrays that a later stage reads from a file instead of through the runner.

Large arrays (signature blocks, group vectors) are what a Python Beam job
pays most to move: DirectRunner pickles a CoGroupByKey's input once more in
a stage of its own, and holds it while it waits. Stages write such arrays
under the run's scratch folder (any Beam filesystem) and pass the file's
name. Names come from content, so a retried bundle rewrites the same bytes.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from apache_beam.io.filesystems import FileSystems


def save_arrays(path: str, arrays: Sequence[np.ndarray]) -> str:
    """Write ``arrays`` one after another as .npy into one file; returns ``path``."""
    with FileSystems.create(path) as stream:
        for array in arrays:
            np.save(stream, np.ascontiguousarray(array), allow_pickle=False)
    return path


def load_arrays(path: str, count: int) -> list[np.ndarray]:
    with FileSystems.open(path) as stream:
        return [np.load(stream, allow_pickle=False) for _ in range(count)]


def save_strings_and_arrays(path: str, strings: Sequence[str], arrays: Sequence[np.ndarray]) -> str:
    """Strings (as UTF-8 lengths and bytes, no fixed width) and arrays in one file."""
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    return save_arrays(path, [lengths, np.frombuffer(b"".join(encoded), dtype=np.uint8), *arrays])


def load_strings_and_arrays(path: str, count: int) -> tuple[list[str], list[np.ndarray]]:
    """What ``save_strings_and_arrays`` wrote, with its ``count`` arrays."""
    lengths, data, *arrays = load_arrays(path, 2 + count)
    ends = np.cumsum(lengths).tolist()
    raw = data.tobytes()
    return [raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip([0, *ends[:-1]], ends)], arrays


def files_under(directory: str) -> list[str]:
    """Every file under ``directory``, on any Beam filesystem."""
    return [m.path for m in FileSystems.match([FileSystems.join(directory, "**")])[0].metadata_list]


def remove_tree(path: str) -> None:
    """Delete a folder, or every object under a prefix (object stores have no folders)."""
    if FileSystems.get_filesystem(path).has_dirs():
        if FileSystems.exists(path):
            FileSystems.delete([path])
    else:
        files = files_under(path)
        if files:
            FileSystems.delete(files)
