"""Vendor GraphiQL's browser assets into app/static/graphiql/ from the npm packages pinned in its manifest.

The GraphiQL page (app/api/graphiql_page.py) serves these files itself, so the IDE works without
internet. `manifest.json` pins each package's version and lists the files taken from it (the
production UMD bundles, the stylesheet and each package's licence); this script fetches the pinned
tarballs with `npm pack`, copies those files, and records each file's SRI hash in the manifest.
To upgrade: edit the versions in the manifest, run `make vendor-graphiql`, and check the IDE.

Usage: python scripts/vendor_graphiql.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parents[1] / "app" / "static" / "graphiql"
MANIFEST = DIRECTORY / "manifest.json"


def integrity(data: bytes) -> str:
    """The Subresource Integrity value (sha384) of `data`."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def fetch(package: str, version: str, into: Path) -> Path:
    """The unpacked `package@version` tarball from the npm registry (its `package/` folder)."""
    subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--pack-destination", str(into), "--silent"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarball = next(into.glob(f"{package.replace('@', '').replace('/', '-')}-{version}.tgz"))
    unpacked = into / f"{package}-{version}".replace("/", "-")
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked, filter="data")
    return unpacked / "package"


def main() -> int:
    manifest = json.loads(MANIFEST.read_text())
    with tempfile.TemporaryDirectory() as temporary:
        sources = {
            package: fetch(package, version, Path(temporary)) for package, version in manifest["packages"].items()
        }
        for name, entry in manifest["files"].items():
            source = sources[entry["package"]] / entry["path"]
            shutil.copyfile(source, DIRECTORY / name)
            entry["integrity"] = integrity(source.read_bytes())
            sys.stdout.write(f"{name}: {entry['package']}@{manifest['packages'][entry['package']]} {entry['path']}\n")
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
