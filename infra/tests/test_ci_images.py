""".ci/images.sh's own shell functions, run under the script's `set -euo pipefail` with a stand-in
for buildah where they call it (the script as a whole, with buildah, runs in .ci/run).

A function that fails must stop the run with a message, and one that has nothing wrong must not
stop it: images.sh is the step that says whether the images work.
"""

import re
import subprocess

from terraform_files import REPO

SCRIPT = REPO / ".ci" / "images.sh"


def function(name: str) -> str:
    """The text of one top-level function of .ci/images.sh."""
    match = re.search(rf"^{re.escape(name)}\(\) {{.*?^}}$", SCRIPT.read_text(), re.M | re.S)
    assert match, f"{name}() is not in .ci/images.sh"
    return match.group(0)


def run(script: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{script}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def git(repo, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def stamp_of(repo) -> str:
    result = run(
        f"""BASE=localhost/ferry-ci/node-base:test
{function("context_stamp")}
build() {{ local stamp; stamp=$(context_stamp); echo "stamp=$stamp"; }}
build
echo built""",
        repo,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "built"
    (stamp,) = re.findall(r"^stamp=([0-9a-f]{16})$", result.stdout, re.M)
    return stamp


def test_the_build_stamp_follows_the_files_and_survives_a_deleted_tracked_file(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.ts").write_text("a\n")
    (repo / "b.ts").write_text("b\n")
    (repo / ".gitignore").write_text("ignored/\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    first = stamp_of(repo)
    assert stamp_of(repo) == first

    (repo / "ignored").mkdir()
    (repo / "ignored" / "x").write_text("x\n")
    assert stamp_of(repo) == first, "an ignored file is not in the build context"

    (repo / "a.ts").write_text("a changed\n")
    changed = stamp_of(repo)
    assert changed != first

    # Deleted in the work tree, still in the index (no `git rm` yet): the images are rebuilt,
    # and the run goes on (sha256sum fails on the missing file; that failed the whole step).
    (repo / "b.ts").unlink()
    assert stamp_of(repo) not in (first, changed)


def make_cached_base(tmp_path, rootfs, run_stub):
    """Runs make_base on a base image already in the store (buildah stubbed: `bh run` does
    `run_stub`, the container's root is `rootfs`) and goes on with `echo continued`."""
    return run(
        f"""BASE=localhost/ferry-ci/node-base:test
BASE_BYTES_FILE={tmp_path}/base.bytes
bh() {{
  case $1 in
    inspect | umount | rm) return 0 ;;
    from) echo ferry-ci-base-check ;;
    mount) echo {rootfs} ;;
    run) {run_stub} ;;
  esac
}}
{function("measure_base")}
{function("make_base")}
make_base
echo continued""",
        tmp_path,
    )


def test_a_cached_base_whose_node_does_not_run_stops_the_run(tmp_path):
    # The base image is in the store but its size was never measured (a run died in between):
    # measuring it also runs its node, and a node that does not run must stop the run, not
    # leave a baseline that makes every image's "size added" wrong.
    rootfs = tmp_path / "rootfs"
    (rootfs / "usr").mkdir(parents=True)
    (rootfs / "usr" / "file").write_bytes(b"x" * 1000)
    result = make_cached_base(tmp_path, rootfs, 'echo "exec: node: not found" >&2; return 127')
    assert result.returncode != 0
    assert "continued" not in result.stdout
    assert not (tmp_path / "base.bytes").exists()


def test_a_cached_base_is_measured_once(tmp_path):
    rootfs = tmp_path / "rootfs"
    (rootfs / "usr").mkdir(parents=True)
    (rootfs / "usr" / "file").write_bytes(b"x" * 1000)
    (rootfs / "usr" / "other").write_bytes(b"y" * 234)
    result = make_cached_base(tmp_path, rootfs, "return 0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "stand-in base localhost/ferry-ci/node-base:test (cached)",
        "continued",
    ]
    assert (tmp_path / "base.bytes").read_text() == "1234\n"
