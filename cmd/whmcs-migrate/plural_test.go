package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
)

// Counts of one read in the singular: "1 error", not "1 errors".
func TestValidationSummaryPlurals(t *testing.T) {
	var b bytes.Buffer
	r := &report.Validation{Offline: true}
	r.Summary.Errors, r.Summary.Warnings, r.Summary.LeftOut = 1, 1, 1
	printValidation(&b, r, 20, validateFlags{offline: true})
	for _, want := range []string{"  1 error, 1 warning\n", "  1 row left out by design"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	r.Summary.Errors, r.Summary.Warnings, r.Summary.LeftOut = 0, 2, 0
	printValidation(&b, r, 20, validateFlags{offline: true})
	if !strings.Contains(b.String(), "  0 errors, 2 warnings\n") {
		t.Errorf("plural:\n%s", b.String())
	}
}
