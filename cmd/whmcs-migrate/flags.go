package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
)

// targetFlags are the command-line overrides of target: settings, shared
// by the commands that talk to WHMCS. They are applied to the config once,
// right after it is loaded (apply); from then on every part of a command
// reads the one resulting value in Config.Target.
type targetFlags struct {
	rate        optRate  // --rate, when given
	maxRate     optFloat // --max-rate, when given
	concurrency int      // --concurrency; 0 = target.concurrency
	insecure    bool     // --insecure
}

// add adds --rate and --max-rate (unless rateHelp is ""), --concurrency
// and --insecure.
func (t *targetFlags) add(fl *pflag.FlagSet, rateHelp, concurrencyHelp string) {
	if rateHelp != "" {
		fl.Var(&t.rate, "rate", "`R`: "+rateHelp)
		fl.Var(&t.maxRate, "max-rate", "`R`: with --rate auto, a hard ceiling in API calls per second (default target.max_rate; none)")
	}
	fl.IntVar(&t.concurrency, "concurrency", 0, "`N`: "+concurrencyHelp)
	fl.BoolVar(&t.insecure, "insecure", false, "do not verify WHMCS's TLS certificate (dangerous)")
}

// apply writes the overrides into cfg.Target.
func (t targetFlags) apply(cfg *Config) error {
	if v, ok := t.rate.get(); ok {
		cfg.Target.Rate = &v
	}
	if v, ok := t.maxRate.get(); ok {
		if v < 0 {
			return configErrorf("--max-rate: must be 0 (none) or more")
		}
		cfg.Target.MaxRate = v
	}
	switch {
	case t.concurrency < 0 || t.concurrency > 256:
		return configErrorf("--concurrency: must be between 1 and 256")
	case t.concurrency > 0:
		cfg.Target.Concurrency = t.concurrency
		cfg.Target.concurrencyDefault = false
	case cfg.Target.concurrencyDefault && cfg.Target.Rate != nil:
		// --rate 10 over a config with neither rate nor concurrency: a
		// fixed rate's default workers, not auto's bound.
		cfg.Target.Concurrency = importer.DefaultWorkers(cfg.Target.Rate.Auto)
	}
	cfg.Target.Insecure = t.insecure
	return nil
}

// optFloat is a float flag that knows whether it was given.
type optFloat struct {
	v   float64
	set bool
}

func (o *optFloat) String() string {
	if !o.set {
		return ""
	}
	return strconv.FormatFloat(o.v, 'g', -1, 64)
}

func (o *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	o.v, o.set = v, true
	return nil
}

func (o *optFloat) Type() string { return "float" }

func (o *optFloat) get() (float64, bool) { return o.v, o.set }

// optRate is --rate: auto or calls per second, and whether it was given.
type optRate struct {
	v   Rate
	set bool
}

func (o *optRate) String() string {
	if !o.set {
		return ""
	}
	return o.v.String()
}

func (o *optRate) Set(s string) error {
	v, err := parseRate(s)
	if err != nil {
		return err
	}
	o.v, o.set = v, true
	return nil
}

func (o *optRate) Type() string { return "auto|float" }

func (o *optRate) get() (Rate, bool) { return o.v, o.set }
