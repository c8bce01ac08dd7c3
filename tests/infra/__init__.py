"""The CDK app's tests. They run the CDK on the Node.js that package.json pins, as `make`
does: its bin directory goes first on PATH here, before the CDK's Python bindings start
their `node` (at import) or the layer's compiler runs."""

import os
from pathlib import Path

NODE_BIN = Path(__file__).resolve().parents[2] / "node_modules" / ".bin"
if not os.environ["PATH"].startswith(f"{NODE_BIN}{os.pathsep}"):
    os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ['PATH']}"
