package view

var Faster, Slower = faster, slower
