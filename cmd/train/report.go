package main

// -eval's report: accuracy and loss, the confusion matrix and per-class
// precision, recall and F1, as text or as one JSON object.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gltrain/nn"
)

// Confusion matrices larger than these are left out: of the text (a row
// would not fit a screen) and of the JSON (classes² numbers).
const (
	maxTextConfusion = 30
	maxJSONConfusion = 1000
)

// evalReport is -eval's result; with -json it is written as it stands.
type evalReport struct {
	Set      string  `json:"set"` // "test" (mnist) or the -data value
	Samples  int     `json:"samples"`
	Accuracy float64 `json:"accuracy"`
	Loss     float64 `json:"loss"`
	// Classes names the classes, in the order of the matrix's rows and
	// columns: the checkpoint's class names, else the class numbers.
	Classes []string `json:"classes"`
	// Confusion[i][j] counts the samples of true class i predicted as j;
	// absent past maxJSONConfusion classes.
	Confusion [][]int        `json:"confusion,omitempty"`
	PerClass  []classMetrics `json:"per_class"`
	Macro     macroAverage   `json:"macro_avg"`
	Backend   string         `json:"backend"`
}

// classMetrics are one class's scores. With tp its correct predictions:
//
//	precision = tp / predicted   (0 when the class is never predicted)
//	recall    = tp / support     (0 when no sample has the class)
//	f1        = 2·precision·recall / (precision + recall)   (0 when both are 0)
//
// The zeros for 0/0 are scikit-learn's zero_division=0.
type classMetrics struct {
	Class     string  `json:"class"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`   // samples of the class
	Predicted int     `json:"predicted"` // samples predicted as the class
}

// macroAverage is the unweighted mean of the per-class scores over the
// classes that occur in the data or in the predictions (scikit-learn's
// classification_report does the same): a class of the model that the file
// lacks and that is never predicted does not count.
type macroAverage struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Classes   int     `json:"classes"` // how many classes the means are over
}

// scoreClasses computes the accuracy, the per-class scores and, for at most
// maxConfusion classes, the confusion matrix of predictions pred against
// labels (both in [0, len(names))).
func scoreClasses(labels, pred []int, names []string, maxConfusion int) (acc float64, confusion [][]int, per []classMetrics, macro macroAverage) {
	k := len(names)
	tp, support, predicted := make([]int, k), make([]int, k), make([]int, k)
	if k <= maxConfusion {
		confusion = make([][]int, k)
		for i := range confusion {
			confusion[i] = make([]int, k)
		}
	}
	correct := 0
	for i, y := range labels {
		p := pred[i]
		support[y]++
		predicted[p]++
		if p == y {
			tp[y]++
			correct++
		}
		if confusion != nil {
			confusion[y][p]++
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	per = make([]classMetrics, k)
	for c := range per {
		m := classMetrics{Class: names[c], Support: support[c], Predicted: predicted[c],
			Precision: ratio(tp[c], predicted[c]), Recall: ratio(tp[c], support[c])}
		if m.Precision+m.Recall > 0 {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
		per[c] = m
		if support[c] > 0 || predicted[c] > 0 {
			macro.Precision += m.Precision
			macro.Recall += m.Recall
			macro.F1 += m.F1
			macro.Classes++
		}
	}
	if macro.Classes > 0 {
		n := float64(macro.Classes)
		macro.Precision, macro.Recall, macro.F1 = macro.Precision/n, macro.Recall/n, macro.F1/n
	}
	return ratio(correct, len(labels)), confusion, per, macro
}

// classNames names classes 0…k-1: names when there are k of them, else
// the numbers.
func classNames(names []string, k int) []string {
	if len(names) == k {
		out := make([]string, k)
		for i, n := range names {
			out[i] = displayName(n)
		}
		return out
	}
	out := make([]string, k)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}

// displayName is a class name as the command prints it: as it is, or, when
// it holds control characters (which a terminal would act on) or is longer
// than 64 bytes, quoted and cut to a short excerpt.
func displayName(n string) string {
	if len(n) <= 64 && printablePath(n) {
		return n
	}
	return excerpt(n)
}

// evaluate is -eval: the loaded model's loss (nn.Evaluate) on the one set
// of d, its predictions (nn.Predict, on rows prepared as for training) and
// the scores they give. The report goes to u.out as text, even with -quiet
// (it is the run's summary), and with -json also to stdout as one object.
func evaluate(m *nn.Model, lossFn nn.Loss, d dataset, u *ui) error {
	if d.train.Regression() {
		return evaluateRegression(m, lossFn, d, u)
	}
	if d.text != nil {
		return evaluateText(m, d, u)
	}
	set := d.train
	loss, _, err := accuracyOn(m, lossFn, set)
	if err != nil {
		return err
	}
	if math.IsNaN(loss) {
		return fmt.Errorf("the %s loss is NaN", d.evalName)
	}
	pred, err := nn.Predict(prepared(m), set.X)
	if err != nil {
		return err
	}
	names := classNames(set.ClassNames, m.Outputs)
	limit := maxTextConfusion
	if u.jsonOut != nil {
		limit = maxJSONConfusion
	}
	r := evalReport{Set: d.evalName, Samples: set.Len(), Loss: loss, Classes: names, Backend: u.backend}
	r.Accuracy, r.Confusion, r.PerClass, r.Macro = scoreClasses(set.Labels, pred, names, limit)
	writeReport(u.out, r)
	return u.writeJSON(r)
}

// writeReport prints the report as text: a line of accuracy and loss, the
// confusion matrix, a table of the per-class scores and their macro
// averages, and a note for the classes whose precision or recall is 0/0.
func writeReport(w io.Writer, r evalReport) {
	fmt.Fprintf(w, "eval     %s: accuracy %.2f%% (%d samples), loss %.4f\n", r.Set, 100*r.Accuracy, r.Samples, r.Loss)
	nameW := len("macro avg")
	for _, n := range r.Classes {
		nameW = max(nameW, utf8.RuneCountInString(n))
	}
	pad := func(s string, width int) string { // right-aligned in width runes
		return strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s))) + s
	}
	switch {
	case r.Confusion == nil || len(r.Classes) > maxTextConfusion:
		fmt.Fprintf(w, "confusion matrix: not printed for %d classes (more than %d)", len(r.Classes), maxTextConfusion)
		if len(r.Classes) <= maxJSONConfusion {
			fmt.Fprint(w, "; -json gives it")
		}
		fmt.Fprintln(w)
	default:
		cellW := len(strconv.Itoa(r.Samples))
		for _, n := range r.Classes {
			cellW = max(cellW, utf8.RuneCountInString(n))
		}
		fmt.Fprintln(w, "confusion matrix (rows: true class, columns: predicted class)")
		var b strings.Builder
		b.WriteString(pad("", nameW))
		for _, n := range r.Classes {
			b.WriteString("  " + pad(n, cellW))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		for i, row := range r.Confusion {
			b.Reset()
			b.WriteString(pad(r.Classes[i], nameW))
			for _, v := range row {
				b.WriteString("  " + pad(strconv.Itoa(v), cellW))
			}
			fmt.Fprintln(w, b.String())
		}
	}
	fmt.Fprintf(w, "%s  precision  recall      f1  support\n", pad("class", nameW))
	for _, m := range r.PerClass {
		fmt.Fprintf(w, "%s  %9.4f  %6.4f  %6.4f  %7d\n", pad(m.Class, nameW), m.Precision, m.Recall, m.F1, m.Support)
	}
	fmt.Fprintf(w, "%s  %9.4f  %6.4f  %6.4f  %7d\n", pad("macro avg", nameW), r.Macro.Precision, r.Macro.Recall, r.Macro.F1, r.Samples)
	var unpredicted, absent []string
	for _, m := range r.PerClass {
		if m.Predicted == 0 && m.Support > 0 {
			unpredicted = append(unpredicted, m.Class)
		}
		if m.Support == 0 {
			absent = append(absent, m.Class)
		}
	}
	if len(unpredicted) > 0 {
		fmt.Fprintf(w, "note: never predicted: %s; the precision of a class never predicted is 0 (scikit-learn's zero_division=0)\n", someNames(unpredicted))
	}
	if len(absent) > 0 {
		fmt.Fprintf(w, "note: no samples of %s; their recall is 0, and the macro averages leave out a class that is neither in the data nor predicted\n",
			someNames(absent))
	}
}

// someNames joins up to 10 names, and counts the rest.
func someNames(names []string) string {
	if len(names) <= 10 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:10], ", "), len(names)-10)
}

// writeJSON writes an -eval report as one JSON line to -json's output
// (nothing without -json).
func (u *ui) writeJSON(r any) error {
	if u.jsonOut == nil {
		return nil
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(u.jsonOut, "%s\n", line)
	return err
}
