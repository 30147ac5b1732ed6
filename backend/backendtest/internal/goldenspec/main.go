// Command goldenspec prints, as JSON, what the activation golden file must
// cover: the points (backendtest.GoldenXs, GoldenDys) and every setting of
// the activation table, primitives included (backend.UnarySettings), with its parameters by
// name. backend/backendtest/testdata/activation_golden.py reads it and asks
// PyTorch for the values.
package main

import (
	"encoding/json"
	"log"
	"os"
	"strconv"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

type setting struct {
	Setting string             `json:"setting"` // Activation.String(), the golden file's key
	Name    string             `json:"name"`
	Params  map[string]float64 `json:"params"` // every parameter, defaults filled in
}

func main() {
	enc := func(v []float32) []string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = strconv.FormatFloat(float64(x), 'g', -1, 64)
		}
		return s
	}
	out := struct {
		Xs       []string  `json:"xs"`
		Dys      []string  `json:"dys"`
		Settings []setting `json:"settings"`
	}{Xs: enc(backendtest.GoldenXs()), Dys: enc(backendtest.GoldenDys())}
	for _, a := range backend.UnarySettings() {
		s := setting{Setting: a.String(), Name: a.Kind.String(), Params: map[string]float64{}}
		for i, p := range a.Kind.Def().Params {
			s.Params[p.Name] = float64(a.Param(i))
		}
		out.Settings = append(out.Settings, s)
	}
	e := json.NewEncoder(os.Stdout)
	e.SetIndent("", " ")
	if err := e.Encode(out); err != nil {
		log.Fatal(err)
	}
}
