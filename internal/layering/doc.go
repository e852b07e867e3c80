// Package layering holds no code, only tests that keep the structure the
// doc comments describe true of the code:
//
//   - TestImportsFollowTheLayers reads the module's import graph (go
//     list) and checks every import of a module package against the
//     allowed table in layers_test.go: the top-level folders form layers
//     (internal at the bottom, then origin and steering, fill, cache, bench,
//     cmd on top), a package imports only from its own folder and the
//     layers below it, and an upward import fails the test, naming it.
//     Tests may reach up only where the table's test exceptions say why.
//   - TestImportsLinesAreTrue checks each package's doc comment: its
//     "Imports:" paragraph names every module package the package
//     imports, and no other, so the line a reader trusts cannot drift
//     from the code.
//
// Imports: standard library only.
package layering
