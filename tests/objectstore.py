"""An object store as a Beam FileSystem (``objstore://``), held in this process's memory.

It behaves like gs:// and s3:// where it matters to newsdedup: no folders
(``has_dirs`` is False, a "folder" is a key prefix), rename is a copy and a
delete per object, and nothing is visible until its writer closes it. Beam
finds it by its scheme once this module is imported; pipelines that use it
must run in this process (DirectRunner ``in_memory``).
"""

from __future__ import annotations

import io

from apache_beam.io.filesystem import BeamIOError, CompressedFile, CompressionTypes, FileMetadata, FileSystem

OBJECTS: dict[str, bytes] = {}


class _Upload(io.BytesIO):
    """Bytes that become an object when closed, as with a resumable upload."""

    def __init__(self, path: str):
        super().__init__()
        self._path = path

    def close(self) -> None:
        if not self.closed:
            OBJECTS[self._path] = self.getvalue()
        super().close()


class ObjectStoreFileSystem(FileSystem):
    @classmethod
    def scheme(cls):
        return "objstore"

    def join(self, basepath, *paths):
        return "/".join([basepath.rstrip("/"), *(p.strip("/") for p in paths)])

    def split(self, path):
        head, _, tail = path.rpartition("/")
        return head, tail

    def mkdirs(self, path):
        pass

    def has_dirs(self):
        return False

    def _list(self, dir_or_prefix):
        for path, data in sorted(OBJECTS.items()):
            if path.startswith(dir_or_prefix):
                yield FileMetadata(path, len(data), 0.0)

    def _wrap(self, raw, path, compression_type):
        compression_type = FileSystem._get_compression_type(path, compression_type)
        return raw if compression_type == CompressionTypes.UNCOMPRESSED else CompressedFile(raw, compression_type)

    def create(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        return self._wrap(_Upload(path), path, compression_type)

    def open(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        if path not in OBJECTS:
            raise BeamIOError("Open operation failed", {path: FileNotFoundError(path)})
        return self._wrap(io.BytesIO(OBJECTS[path]), path, compression_type)

    def copy(self, source_file_names, destination_file_names):
        missing = {s: FileNotFoundError(s) for s in source_file_names if s not in OBJECTS}
        if missing:
            raise BeamIOError("Copy operation failed", missing)
        for source, destination in zip(source_file_names, destination_file_names):
            OBJECTS[destination] = OBJECTS[source]

    def rename(self, source_file_names, destination_file_names):
        self.copy(source_file_names, destination_file_names)
        self.delete(source_file_names)

    def exists(self, path):
        return path in OBJECTS

    def size(self, path):
        return len(OBJECTS[path])

    def last_updated(self, path):
        return 0.0

    def checksum(self, path):
        return str(hash(OBJECTS[path]))

    def metadata(self, path):
        return FileMetadata(path, len(OBJECTS[path]), 0.0)

    def delete(self, paths):
        missing = {p: FileNotFoundError(p) for p in paths if p not in OBJECTS}
        if missing:
            raise BeamIOError("Delete operation failed", missing)
        for path in paths:
            del OBJECTS[path]
