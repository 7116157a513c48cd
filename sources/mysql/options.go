package mysql

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
)

// Presets the source knows.
const (
	PresetOsTicket  = "osticket"
	PresetWHMCS     = "whmcs"
	PresetHESK      = "hesk"
	PresetFreeScout = "freescout"
	PresetBlesta    = "blesta"
	PresetCustom    = "custom"
	PresetKayako    = "kayako" // Kayako Classic 4.x; table_prefix default sw
	// PresetClientExec reads ClientExec 5.x-6.x (clientexec.go).
	PresetClientExec = "clientexec"
)

// Options configure the mysql source (the config's source block).
type Options struct {
	// Preset is the helpdesk whose schema is read: osticket, whmcs, hesk,
	// freescout, blesta, kayako, clientexec or custom.
	Preset string `yaml:"preset"`
	// DSN is a go-sql-driver DSN ("user:pass@tcp(host:3306)/db") or a
	// mysql:// URL. Its password is redacted everywhere. charset=utf8mb4
	// is forced.
	DSN string `yaml:"dsn"`
	// TablePrefix defaults to ost_ (osticket), tbl (whmcs), hesk_ (hesk),
	// none (freescout: its DB_TABLE_PREFIX; blesta has none).
	TablePrefix string `yaml:"table_prefix"`
	// AttachmentsDir is where attachment files live: WHMCS's attachments
	// directory, HESK's attachments folder, osTicket's filesystem-storage
	// plugin upload path, the custom attachments query's base. Relative
	// paths are resolved against the config file's directory.
	AttachmentsDir string `yaml:"attachments_dir"`
	// SkipSystemNotes drops osTicket's system-generated notes ("Ticket
	// closed by ..."); by default they are kept as notes.
	SkipSystemNotes bool `yaml:"skip_system_notes"`
	// KeepClientIDs (preset whmcs) yields each ticket's old client id as
	// its WHMCS client id: only right when the new install's clients were
	// copied with their ids. By default the requester's email is yielded and
	// the mapping's clients: match_email finds the client in the new install.
	KeepClientIDs bool `yaml:"keep_client_ids"`
	// TicketsQuery, EntriesQuery and AttachmentsQuery are the custom
	// preset's SQL; see the package documentation for their columns.
	TicketsQuery     string `yaml:"tickets_query"`
	EntriesQuery     string `yaml:"entries_query"`
	AttachmentsQuery string `yaml:"attachments_query"`
	// CompanyID (preset blesta) is the company whose tickets are read, by
	// their department's company_id (default 1).
	CompanyID int64 `yaml:"company_id"`
	// PageSize is the number of tickets read per keyset page (default 200).
	PageSize int `yaml:"page_size"`
}

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_]*$`)

func (o *Options) fill() error {
	o.Preset = strings.ToLower(strings.TrimSpace(o.Preset))
	if o.DSN == "" {
		return fmt.Errorf("mysql source: dsn is empty")
	}
	switch o.Preset {
	case PresetOsTicket:
		if o.TablePrefix == "" {
			o.TablePrefix = "ost_"
		}
	case PresetWHMCS:
		if o.TablePrefix == "" {
			o.TablePrefix = "tbl"
		}
	case PresetHESK:
		if o.TablePrefix == "" {
			o.TablePrefix = "hesk_"
		}
	case PresetFreeScout, PresetBlesta:
		// No default prefix: FreeScout's DB_TABLE_PREFIX is empty unless
		// set in its .env; Blesta has none.
		if o.Preset == PresetBlesta && o.CompanyID == 0 {
			o.CompanyID = 1
		}
	case PresetKayako:
		if o.TablePrefix == "" {
			o.TablePrefix = "sw"
		}
	case PresetClientExec: // no table prefix: ClientExec has none
	case PresetCustom:
		if strings.TrimSpace(o.TicketsQuery) == "" || strings.TrimSpace(o.EntriesQuery) == "" {
			return fmt.Errorf("mysql source: preset custom needs tickets_query and entries_query")
		}
		if strings.Count(o.EntriesQuery, "?") != 1 {
			return fmt.Errorf("mysql source: entries_query must take the ticket id as its one ? parameter")
		}
		if o.AttachmentsQuery != "" && strings.Count(o.AttachmentsQuery, "?") != 1 {
			return fmt.Errorf("mysql source: attachments_query must take the ticket id as its one ? parameter")
		}
	case "":
		return fmt.Errorf("mysql source: preset is empty (want osticket, whmcs, hesk, freescout, blesta, kayako, clientexec or custom)")
	default:
		return fmt.Errorf("mysql source: unknown preset %q (want osticket, whmcs, hesk, freescout, blesta, kayako, clientexec or custom)", o.Preset)
	}
	if !prefixRE.MatchString(o.TablePrefix) {
		return fmt.Errorf("mysql source: table_prefix %q may hold only letters, digits and _", o.TablePrefix)
	}
	if o.CompanyID < 0 {
		return fmt.Errorf("mysql source: company_id %d must be a Blesta company id (1 or more)", o.CompanyID)
	}
	if o.PageSize <= 0 {
		o.PageSize = 200
	}
	return nil
}

// parseDSN reads a go-sql-driver DSN or a mysql:// URL.
func parseDSN(dsn string) (*gomysql.Config, error) {
	if strings.HasPrefix(dsn, "mysql://") || strings.HasPrefix(dsn, "mariadb://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("parse dsn: invalid mysql:// URL")
		}
		cfg := gomysql.NewConfig()
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if !strings.Contains(u.Host, ":") {
			cfg.Addr = u.Host + ":3306"
		}
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		if u.RawQuery != "" {
			// Reuse the driver's parameter parsing.
			c2, err := gomysql.ParseDSN("/x?" + u.RawQuery)
			if err != nil {
				return nil, fmt.Errorf("parse dsn parameters: %w", err)
			}
			c2.User, c2.Passwd, c2.Net, c2.Addr, c2.DBName = cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName
			cfg = c2
		}
		return cfg, nil
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		// The driver's parse errors never quote the DSN; keep them.
		return nil, fmt.Errorf("parse dsn: %w", err)
	}
	return cfg, nil
}

// dsnPassword returns the password in dsn, or "" when there is none or the
// DSN cannot be parsed.
func dsnPassword(dsn string) string {
	cfg, err := parseDSN(dsn)
	if err == nil {
		return cfg.Passwd
	}
	// Unparseable: take what lies between the first ':' and the last '@'
	// before the address, as the driver would.
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		userinfo := dsn[:at]
		userinfo = strings.TrimPrefix(strings.TrimPrefix(userinfo, "mysql://"), "mariadb://")
		if i := strings.Index(userinfo, ":"); i >= 0 {
			return userinfo[i+1:]
		}
	}
	return ""
}

// redactDSN replaces the password of dsn in text.
func redactDSN(dsn, text string) string {
	pw := dsnPassword(dsn)
	if pw == "" {
		return text
	}
	text = strings.ReplaceAll(text, pw, "xxxxx")
	if esc := url.QueryEscape(pw); esc != pw {
		text = strings.ReplaceAll(text, esc, "xxxxx")
	}
	if esc := url.PathEscape(pw); esc != pw {
		text = strings.ReplaceAll(text, esc, "xxxxx")
	}
	return text
}

// Factory returns the "mysql" source factory.
func Factory() sources.Factory {
	return sources.Factory{
		Name: "mysql",
		Help: "a helpdesk's MySQL/MariaDB database: preset osticket (1.10-1.18), whmcs, hesk (3.x), freescout (1.8), blesta (5, Support Manager 3.x), kayako (Kayako Classic 4.x), clientexec (5.x-6.x) or custom SQL",
		NewOptions: func() any {
			return &Options{}
		},
		Open: func(ctx context.Context, opts any, env sources.Env) (sources.Source, error) {
			o, ok := opts.(*Options)
			if !ok {
				return nil, fmt.Errorf("mysql source: options are %T, want *mysql.Options", opts)
			}
			return Open(ctx, *o, env)
		},
		Redact: func(opts any, text string) string {
			o, ok := opts.(*Options)
			if !ok || o == nil {
				return text
			}
			return redactDSN(o.DSN, text)
		},
	}
}
