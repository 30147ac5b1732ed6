package backendtest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// ONNX returns the Python that checks and runs exported ONNX files: Debian's
// /usr/bin/python3 with python3-onnx (the checker) and python3-torch (the
// operators of nn's testdata/onnx_run.py). Without them the test is
// skipped, or fails under GLTRAIN_REQUIRE_ONNX=1 or GLTRAIN_REQUIRE_TORCH=1,
// which make test sets, having installed both.
func ONNX(t testing.TB) string {
	t.Helper()
	python := "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import onnx, onnx.checker, torch").CombinedOutput(); err != nil {
		msg := fmt.Sprintf("ONNX's checker or PyTorch is not installed (%s -c 'import onnx, torch': %v: %.200s); install python3-onnx and python3-torch to run this test", python, err, out)
		if os.Getenv("GLTRAIN_REQUIRE_ONNX") == "1" || os.Getenv("GLTRAIN_REQUIRE_TORCH") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return python
}
