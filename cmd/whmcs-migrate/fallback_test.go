package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources/all"
)

// mapping.fallback_requester loads from YAML as README shows it, and a
// fallback without a valid email is a config error naming the key.
func TestConfigFallbackRequester(t *testing.T) {
	setConfigEnv(t, "secret", "5")
	cfg, err := LoadConfig(writeConfig(t, baseConfig+`  fallback_requester: {name: "Deleted user", email: "deleted-user@example.com"}
`), all.Registry())
	if err != nil {
		t.Fatal(err)
	}
	if f := cfg.Mapping.FallbackRequester; f == nil || *f != (mapping.Requester{Name: "Deleted user", Email: "deleted-user@example.com"}) {
		t.Errorf("fallback_requester = %+v", f)
	}
	if cfg, err := LoadConfig(writeConfig(t, baseConfig), all.Registry()); err != nil || cfg.Mapping.FallbackRequester != nil {
		t.Errorf("without the key: %+v, %v; want none", cfg.Mapping.FallbackRequester, err)
	}
	for _, bad := range []string{`{name: "Deleted user"}`, `{email: "not an email"}`, `{name: x, email: y@example.com, id: 3}`} {
		_, err := loadPlanned(t, baseConfig+"  fallback_requester: "+bad+"\n")
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "mapping.fallback_requester") {
			t.Errorf("fallback_requester: %s: %v; want a config error naming the key", bad, err)
		}
	}
}
