package data

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// ParseNumber parses a number written as text in a data file: a decimal,
//
//	[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
//
// trimmed of spaces, finite and within float32's range. Hexadecimal, digit
// separators (1_000), NaN, infinities and the empty string are refused with
// an error saying which. It is the one parser of the numbers of a CSV
// file, for training (ParseCSV) and for prediction alike.
func ParseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if !isDecimal(s) {
		if v, err := strconv.ParseFloat(s, 64); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return 0, fmt.Errorf("%s is not finite", excerpt(s))
		}
		return 0, fmt.Errorf("%s is not a number%s", excerpt(s), numberHint(s))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.Abs(v) > math.MaxFloat32 {
		return 0, fmt.Errorf("%s is out of float32 range", excerpt(s))
	}
	return v, nil
}

// IsHeaderRow reports whether rec, the first row of a CSV file, is a header
// by the rule of HeaderAuto: a header holds names only. It is one when at
// least one field is a name and none is number-like (a number in any
// spelling Go reads: decimal, hexadecimal, 1_000, NaN, Inf); empty fields
// are neither, as a header may leave a column unnamed. Field skip (the label
// column; -1 for none) is not looked at. A row that is not a header is data,
// so a bad value on it is an error naming line 1, as on any other line.
func IsHeaderRow(rec []string, skip int) bool {
	name := false
	for j, field := range rec {
		if j == skip {
			continue
		}
		field = strings.TrimSpace(field)
		if numberLike(field) {
			return false
		}
		name = name || field != ""
	}
	return name
}

// numberLike reports whether s is a number in some spelling: a decimal, or
// anything strconv.ParseFloat or ParseInt (base prefixes: 0x10, 0b1) reads,
// out of range included, also when written with other scripts' digits
// (fullwidth １２).
func numberLike(s string) bool {
	if isDecimal(s) {
		return true
	}
	if ascii := strings.Map(asciiDigit, s); ascii != s {
		return numberLike(ascii)
	}
	_, err := strconv.ParseFloat(s, 64)
	_, ierr := strconv.ParseInt(s, 0, 64)
	return err == nil || errors.Is(err, strconv.ErrRange) || ierr == nil || errors.Is(ierr, strconv.ErrRange)
}

// asciiDigit maps a decimal digit of another script to '0', and any other
// rune to itself.
func asciiDigit(r rune) rune {
	if r > unicode.MaxASCII && unicode.IsDigit(r) {
		return '0'
	}
	return r
}

// isName reports whether the field s is a name: neither empty nor
// number-like.
func isName(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && !numberLike(s)
}

// isDecimal reports whether s is a decimal number:
//
//	[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	mantissa := digits()
	if i < len(s) && s[i] == '.' {
		i++
		mantissa += digits()
	}
	if mantissa == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// isNumber reports whether s reads as a number for the label rules: a
// decimal, or NaN or an infinity as ParseFloat spells them.
func isNumber(s string) bool {
	if isDecimal(s) {
		return true
	}
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && (math.IsNaN(v) || math.IsInf(v, 0))
}

// numberHint says why a field that looks like a number is not one.
func numberHint(s string) string {
	_, err := strconv.ParseFloat(s, 64)
	lower := strings.ToLower(s)
	switch {
	case strings.ContainsAny(s, ";\t"):
		return " (is the file separated by semicolons or tabs? fields must be separated by commas)"
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return ""
	case strings.Contains(s, "_"):
		return " (digit separators _ are not accepted)"
	case strings.Contains(lower, "0x"):
		return " (hexadecimal is not accepted)"
	}
	return ""
}
