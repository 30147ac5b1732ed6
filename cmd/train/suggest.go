package main

// Did-you-mean for unknown flags: "-epoch=3" is answered with the error of
// the flag package and the closest defined name,
//
//	flag provided but not defined: -epoch (did you mean -epochs?)
//
// and nothing when no name is close, so that a hint is never a guess.

import (
	"fmt"
	"slices"
	"strings"
)

// flagAliases maps the names other tools give some flags (Keras, PyTorch
// scripts, argparse habits), normalised by normalFlag, to ours.
var flagAliases = map[string]string{
	"learningrate": "lr", "weightdecay": "wd", "optimizer": "opt", "optimiser": "opt",
	"activation": "act", "batchsize": "batch", "validation": "val", "validationsplit": "val",
	"device": "backend", "epoch": "epochs", "nepochs": "epochs", "numepochs": "epochs",
}

// normalFlag lower-cases a flag name and drops '-' and '_', so that
// -Label_Col and -label-col compare equal.
func normalFlag(s string) string {
	return strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s))
}

// suggestFlag returns the defined names closest to the unknown name, best
// first, or nil when none is close enough. It tries, in order: a known
// alias; a name equal but for case, '-' and '_'; the names within a small
// edit distance (optimal string alignment, so a swap of two neighbours is one
// edit: 1 for names of up to 4 letters, 2 up to 8, else 3); the names that
// start with it ("-ep"); and the longest name it starts with ("-savepath").
func suggestFlag(name string, defined []string) []string {
	n := normalFlag(name)
	if n == "" {
		return nil
	}
	if a, ok := flagAliases[n]; ok && slices.Contains(defined, a) {
		return []string{a}
	}
	for _, d := range defined {
		if normalFlag(d) == n {
			return []string{d}
		}
	}
	limit := 3
	switch {
	case len(n) <= 1:
		limit = 0
	case len(n) <= 4:
		limit = 1
	case len(n) <= 8:
		limit = 2
	}
	var best []string
	bestDist := limit + 1
	for _, d := range defined {
		switch dist := editDistance(n, normalFlag(d)); {
		case dist > limit:
		case dist < bestDist:
			best, bestDist = []string{d}, dist
		case dist == bestDist:
			best = append(best, d)
		}
	}
	if len(best) > 0 {
		return best
	}
	if len(n) >= 2 {
		for _, d := range defined {
			if strings.HasPrefix(normalFlag(d), n) {
				best = append(best, d)
			}
		}
		if len(best) > 0 {
			return best
		}
	}
	longest := ""
	for _, d := range defined {
		if nd := normalFlag(d); len(nd) >= 3 && strings.HasPrefix(n, nd) && len(d) > len(longest) {
			longest = d
		}
	}
	if longest != "" {
		return []string{longest}
	}
	return nil
}

// didYouMean appends the suggestion to the flag package's error for an
// unknown flag; other errors are returned as they are.
func didYouMean(err error, defined []string) error {
	const prefix = "flag provided but not defined: -"
	name, ok := strings.CutPrefix(err.Error(), prefix)
	if !ok {
		return err
	}
	s := suggestFlag(name, defined)
	if len(s) == 0 {
		return err
	}
	if len(s) > 3 {
		s = s[:3]
	}
	for i := range s {
		s[i] = "-" + s[i]
	}
	joined := s[0]
	if len(s) > 1 {
		joined = strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
	}
	return fmt.Errorf("%w (did you mean %s?)", err, joined)
}

// editDistance is the optimal-string-alignment distance between a and b
// (bytes): insertions, deletions, substitutions and swaps of two adjacent
// letters each cost 1.
//
//	d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+[a[i-1]≠b[j-1]],
//	              d[i-2][j-2]+1 if a[i-1]=b[j-2] and a[i-2]=b[j-1])
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
