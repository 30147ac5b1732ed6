// Package safefile opens input files and writes output files the way every
// gltrain reader and writer must: an input is a regular file, checked before
// anything can block on it; an output replaces its target atomically, and
// the temporary files of saves that were killed are cleaned up.
package safefile
