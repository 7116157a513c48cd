// Package all builds the registry of every source whmcs-migrate knows.
// Adding a source: write its package with a Factory, test it with
// sources/sourcetest, and add one line here.
package all

import (
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/sources/csv"
	"github.com/whmcs-migrate/whmcs-migrate/sources/mysql"
)

// Registry returns the registry of every source.
func Registry() *sources.Registry {
	return sources.NewRegistry(
		csv.Factory(),
		mysql.Factory(),
	)
}
