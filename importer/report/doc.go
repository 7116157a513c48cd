// Package report is where the passes' results become files and text for
// people: the run summary (Import) as text, JSON and an HTML page charting
// its calls over time (inline SVG, from Samples the caller took), its
// Prometheus metrics, the validation
// report (Validation) as JSON and a self-contained HTML page, the
// verification report (Verify) as text, JSON and HTML, the rollback
// preview, size and duration formats, and atomic 0600 file writing
// (reports hold customer data).
//
// It holds data and renders it; it calls nobody. The passes fill its
// types.
package report
