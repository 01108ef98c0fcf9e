"""Folders of one process (previews, studio drafts) under a content folder that several machines may
share: a process's own, named by machine and id; gone processes' cleared, other machines' left alone."""

from __future__ import annotations

import os
import subprocess

from narrowcast.folder import _host, process_folder, remove_gone


def test_gone_processes_folders_go_and_other_machines_stay(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    mine = process_folder(tmp_path)
    assert mine.name == f"{_host()}-{os.getpid()}"
    folders = {"mine": mine, "dead": tmp_path / f"{_host()}-{gone.pid}", "old-style dead": tmp_path / str(gone.pid),
               "other machine": tmp_path / f"ander.example-{gone.pid}", "not ours": tmp_path / f"{_host()}-x"}
    for folder in folders.values():
        (folder / "output").mkdir(parents=True)
    remove_gone(tmp_path)
    assert {name for name, folder in folders.items() if folder.exists()} == {"mine", "other machine"}
    remove_gone(tmp_path, own=True)
    assert not mine.exists() and folders["other machine"].exists()
