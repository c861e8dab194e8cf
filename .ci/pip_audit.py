"""CI: the installed environment checked against the published advisories (pip-audit, PyPI's
vulnerability data; 等保 8.1.4.4 e).

Fails when a dependency has a known vulnerability. When the advisory service cannot be reached
(for all packages or some), it prints a loud line naming what went unchecked and passes: a CI that
fails whenever a third-party service is down gets ignored, and one that passes quietly hides that
nothing was checked.
"""

import json
import subprocess
import sys

LOUD = "!" * 78
UNREACHABLE = ("ConnectionError", "Max retries", "Could not resolve", "timed out", "NameResolution")

run = subprocess.run(
    [".venv/bin/pip-audit", "--local", "--skip-editable", "--progress-spinner", "off"]
    + ["--format", "json"],
    capture_output=True,
    text=True,
)
try:
    report = json.loads(run.stdout)
except ValueError:
    tail = run.stderr.strip().splitlines()[-3:]
    if any(word in run.stderr for word in UNREACHABLE):
        print(f"{LOUD}\nWARNING: pip-audit could not reach the advisory service.")
        print("NOTHING WAS CHECKED.")
        print("\n".join(tail) + f"\n{LOUD}")
        sys.exit(0)
    print("pip-audit failed:\n" + run.stderr, file=sys.stderr)
    sys.exit(1)

deps = report["dependencies"]
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if "skip_reason" in d]
for d in vulnerable:
    for v in d["vulns"]:
        fixed = ", ".join(v.get("fix_versions") or []) or "no fixed version"
        print(f"VULNERABLE {d['name']} {d['version']}: {v['id']} (fixed in: {fixed})")
if skipped:
    names = ", ".join(d["name"] for d in skipped)
    print(f"{LOUD}\nWARNING: pip-audit could not check {len(skipped)} of {len(deps)} packages")
    print(f"(advisory service unreachable or package unknown to it): {names}\n{LOUD}")
print(f"pip-audit: {len(deps) - len(skipped)} packages checked, {len(vulnerable)} vulnerable")
sys.exit(1 if vulnerable else 0)
