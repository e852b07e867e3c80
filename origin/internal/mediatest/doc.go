// Package mediatest generates small test videos with the real ffmpeg
// binary (lavfi testsrc2 + sine), optionally with defects (a black
// stretch, a silent stretch, a frozen stretch) for the quality checks.
// It is imported only from _test.go files of the origin sub-packages;
// it lives under origin/internal because nothing outside origin needs it.
//
// Imports: internal/testenv (to find ffmpeg or skip).
package mediatest
