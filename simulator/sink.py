"""Streaming file writers: rows are appended chunk by chunk and closed once at the end."""

import csv
import datetime as dt
import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class JsonListWriter:
    """Write a JSON list one element at a time, optionally inside an object under one key."""

    def __init__(self, path: Path, key: str | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._key = key
        self._count = 0
        self._file.write("[" if key is None else f'{{"{key}": [')

    def append(self, item: Any) -> None:
        """Append one element."""
        self._file.write("\n" if self._count == 0 else ",\n")
        self._file.write(json.dumps(item, ensure_ascii=False))
        self._count += 1

    def close(self) -> None:
        """Finish the list and close the file."""
        self._file.write("\n]" if self._key is None else "\n]}")
        self._file.write("\n")
        self._file.close()


class Sink:
    """All open output files of one run, under one output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._csv_files: dict[str, tuple[IO[str], Any]] = {}
        self._json_lists: dict[str, JsonListWriter] = {}
        self._line_files: dict[str, IO[str]] = {}
        self.rows_written = 0

    def write_csv(
        self, relative: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Append rows to a CSV file, writing its header when the file is first opened."""
        if relative not in self._csv_files:
            path = self.out_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            self._csv_files[relative] = (handle, writer)
        _, writer = self._csv_files[relative]
        for row in rows:
            writer.writerow(row)
            self.rows_written += 1

    def json_list(self, relative: str, key: str | None = None) -> JsonListWriter:
        """Return the streaming list writer of a JSON file, opening it on first use."""
        if relative not in self._json_lists:
            self._json_lists[relative] = JsonListWriter(self.out_dir / relative, key)
        return self._json_lists[relative]

    def append_json(self, relative: str, item: Any, key: str | None = None) -> None:
        """Append one element to a streamed JSON list file."""
        self.json_list(relative, key).append(item)
        self.rows_written += 1

    def close_json(self, relative: str, key: str | None = None) -> None:
        """Finish one streamed JSON list file, writing an empty list if nothing was appended."""
        self.json_list(relative, key).close()
        del self._json_lists[relative]

    def append_line(self, relative: str, line: str) -> None:
        """Append one line to a text file (JSON Lines deliveries, scratch files)."""
        if relative not in self._line_files:
            path = self.out_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            self._line_files[relative] = path.open("w", encoding="utf-8")
        self._line_files[relative].write(line)
        self._line_files[relative].write("\n")
        self.rows_written += 1

    def close_lines(self, relative: str) -> None:
        """Close one line file so it can be read back."""
        handle = self._line_files.pop(relative, None)
        if handle is not None:
            handle.close()

    def line_files(self, prefix: str) -> list[str]:
        """Relative paths of open line files under `prefix`, sorted."""
        return sorted(name for name in self._line_files if name.startswith(prefix))

    def close(self) -> None:
        """Close every file that is still open."""
        for handle, _ in self._csv_files.values():
            handle.close()
        for writer in self._json_lists.values():
            writer.close()
        for handle in self._line_files.values():
            handle.close()
        self._csv_files.clear()
        self._json_lists.clear()
        self._line_files.clear()

    def remove_tree(self, relative: str) -> None:
        """Delete a scratch folder under the output folder."""
        shutil.rmtree(self.out_dir / relative, ignore_errors=True)


def iso_timestamp(start: dt.date, second: int) -> str:
    """Format seconds since the start date (UTC) as ISO 8601 with a Z suffix."""
    moment = dt.datetime(start.year, start.month, start.day) + dt.timedelta(seconds=int(second))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_strings(start: dt.date, seconds: np.ndarray) -> list[str]:
    """Format many seconds since the start date as ISO 8601 UTC strings, vectorized."""
    base = np.datetime64(f"{start.isoformat()}T00:00:00", "s")
    moments = base + seconds.astype("timedelta64[s]")
    return [f"{text}Z" for text in np.datetime_as_string(moments, unit="s").tolist()]


def connector_timestamp(start: dt.date, second: int) -> str:
    """Format seconds since the start date as a Fivetran connector time stamp (UTC, no offset)."""
    moment = dt.datetime(start.year, start.month, start.day) + dt.timedelta(seconds=int(second))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def epoch_seconds(start: dt.date, second: int) -> int:
    """Return Unix time of a moment given as seconds since the start date (UTC)."""
    moment = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    return int((moment - EPOCH).total_seconds()) + int(second)
