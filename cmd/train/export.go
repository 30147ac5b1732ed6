package main

import (
	"errors"
	"fmt"
	"strings"

	"gltrain/backend/cpu"
	"gltrain/nn"
)

// validateExport checks -export: it writes the -load model as an ONNX file
// and stops, so it needs -load and takes no other mode.
func (c *config) validateExport() error {
	if c.export == "" {
		return nil
	}
	bad := func(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
	switch {
	case !printablePath(c.export):
		return bad("invalid path for -export: not UTF-8, or holds control characters")
	case c.resume != "":
		return bad("-export writes a -load model, and -resume trains: use -load=%s -export=%s", c.resume, c.export)
	case c.load == "":
		return bad("-export needs -load: the checkpoint to export (train with -save=m.safetensors, then train -load=m.safetensors -export=m.onnx)")
	case c.eval, c.predict != "", c.gen.n > 0, c.summary:
		return bad("-export writes the ONNX file and stops: drop -eval, -predict, -generate and -summary")
	case c.save != "":
		return bad("-export writes the -load model as it is, without training: drop -save")
	}
	return nil
}

// exportONNX is -export: the -load model, loaded on the CPU (the export
// reads every weight on the host), written as ONNX (nn.SaveONNX).
func exportONNX(c config, u *ui) error {
	b := cpu.New()
	defer b.Close()
	m, err := nn.Load(c.load, b)
	if err != nil {
		return err
	}
	defer m.Release()
	if err := nn.SaveONNX(c.export, m); err != nil {
		if errors.Is(err, nn.ErrNotExported) {
			return exitCode{2, err}
		}
		return err
	}
	raw := ""
	if m.Standardizer != nil {
		raw = ", raw: the standardisation is in the file"
	}
	u.printf("exported %v to %s: input %q (%d values a row%s), outputs %s",
		m, c.export, nn.ONNXInput, m.Inputs, raw, strings.Join(nn.ONNXOutputNames(m), ", "))
	return nil
}
