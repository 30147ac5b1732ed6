package view

import "github.com/go-gl/glfw/v3.3/glfw"

var Faster, Slower = faster, slower

// Key applies key's control, as a key press does; Char a character's.
func (w *Window) Key(h Hub, key glfw.Key) { w.key(h, key) }
func (w *Window) Char(h Hub, ch rune)     { w.char(h, ch) }
func (w *Window) ShouldClose() bool       { return w.win.ShouldClose() }
func (w *Window) Note() string            { return w.note }

var ConfusionLabels = confusionLabels
