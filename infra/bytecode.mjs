// Compiles every module under a directory with the Lambda runtime's Python (Pyodide is
// CPython built for WebAssembly, pinned in package.json), so the layer ships bytecode
// that runtime loads. Prints the interpreter's cache tag and whether every file compiled.
import { loadPyodide } from "pyodide";

const [directory] = process.argv.slice(2);
const python = await loadPyodide({ stdout: console.error });
python.FS.mkdirTree("/layer");
python.FS.mount(python.FS.filesystems.NODEFS, { root: directory }, "/layer");
const result = python.runPython(`
import compileall, json, py_compile, sys
# Hash-based and unchecked: the asset zip drops file times, and a layer never changes.
compiled = compileall.compile_dir(
    "/layer", quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
)
json.dumps({"cache_tag": sys.implementation.cache_tag, "compiled": bool(compiled)})
`);
console.log(result);
