package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// buildVersion is what the binary knows of itself, from the build info
// the Go toolchain embeds (runtime/debug.ReadBuildInfo): the module
// version, and the commit and its time when built from a git checkout.
type buildVersion struct {
	Version  string // v1.2.0, a pseudo-version, or "(devel)"
	Commit   string // vcs.revision; "" when built without VCS information
	Date     string // vcs.time, the commit's time (RFC 3339)
	Modified bool   // vcs.modified: built from a checkout with local changes
	Go       string // the toolchain, go1.26.8
	Platform string // linux/amd64
}

func readBuildVersion(info *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{Version: "(unknown)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if !ok || info == nil {
		return v
	}
	if info.Main.Version != "" {
		v.Version = info.Main.Version
	}
	if info.GoVersion != "" {
		v.Go = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Date = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is one line: "whmcs-migrate v1.2.0 (commit 0123abcd4567,
// 2026-11-30T12:00:00Z) go1.26.8 linux/amd64".
func (v buildVersion) String() string {
	var extra []string
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if v.Modified {
			c += " with local changes"
		}
		extra = append(extra, "commit "+c)
	}
	if v.Date != "" {
		extra = append(extra, "committed "+v.Date)
	}
	s := "whmcs-migrate " + v.Version
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s + " " + v.Go + " " + v.Platform
}

func currentVersion() buildVersion { return readBuildVersion(debug.ReadBuildInfo()) }

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and commit date of this binary",
		Long: `Print the version, the git commit and its date, the Go toolchain and the
platform this binary was built for, as the build info embedded by "go build"
has them (a binary built outside a git checkout has no commit).

Exit status: 0.`,
		Example: `  whmcs-migrate version
  whmcs-migrate --version`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(g.stdout, currentVersion())
			return err
		},
	}
}
