"""Client tooling accepts the schema: graphql-schema-linter finds nothing, and codegen's types pass `tsc --strict`.

The tools are the npm packages pinned in tests/schema_tools (`make test` installs them with
scripts/schema-tools.sh); when they are missing the tests fail, saying how to install them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tests" / "schema_tools"
BIN = TOOLS / "node_modules" / ".bin"
SCHEMA = ROOT / "schema.graphql"
DOCUMENTS = ROOT / "graphql"
# Each custom scalar as it travels in JSON: a new scalar without a mapping fails codegen (strictScalars).
SCALARS = {"Date": "string", "DateTime": "string", "Decimal": "string", "JSON": "unknown"}
TIMEOUT_SECONDS = 300


def tool(name: str) -> Path:
    """The installed binary `name`, or a failure naming the install command."""
    path = BIN / name
    if shutil.which("node") is None or not path.is_file():
        pytest.fail(
            f"The schema tooling tests need Node.js 20+ and {path}. Install them with:\n"
            "    apt-get install -y nodejs npm && scripts/schema-tools.sh",
            pytrace=False,
        )
    return path


def run(*command: str | Path, cwd: Path = TOOLS) -> subprocess.CompletedProcess[str]:
    # From tests/schema_tools by default: codegen resolves its plugins from the working directory.
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )


def test_the_schema_lint_with_the_default_rules_finds_nothing() -> None:
    result = run(tool("graphql-schema-linter"), "--format", "json", SCHEMA)

    report = json.loads(result.stdout)
    findings = [f"{error['location']['line']}: {error['message']} ({error['rule']})" for error in report["errors"]]
    assert findings == [], "\n".join(findings)
    assert result.returncode == 0, result.stderr


def test_codegen_types_of_the_documents_pass_tsc_strict(tmp_path: Path) -> None:
    output = tmp_path / "operations.ts"
    config = tmp_path / "codegen.json"
    config.write_text(
        json.dumps(
            {
                "schema": str(SCHEMA),
                "documents": str(DOCUMENTS / "*.graphql"),
                "generates": {
                    str(output): {
                        "plugins": ["typescript-operations"],
                        "config": {"strictScalars": True, "scalars": SCALARS},
                    }
                },
            }
        )
    )

    generated = run(tool("graphql-codegen"), "--config", config)
    assert generated.returncode == 0, generated.stdout[-4000:] + generated.stderr[-4000:]
    types = output.read_text()
    missing = [path.name for path in sorted(DOCUMENTS.glob("*.graphql")) if f"export type {path.stem}" not in types]
    assert missing == [], f"no types for {missing}"

    # From the output's folder: only the generated file is checked, not the tools' own @types.
    checked = run(tool("tsc"), "--strict", "--noEmit", "--noUnusedLocals", "--target", "es2022", output, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-4000:]
