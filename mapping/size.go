package mapping

import (
	"context"
	"fmt"
	"io"

	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// DefaultRequestOverhead stands for the credentials a request carries
// besides its parameters when Options.RequestOverhead is 0 (validate
// offline): an identifier, a secret and an access key of usual lengths,
// rounded up.
const DefaultRequestOverhead = 256

// checkSizes adds a request_too_large error for every step whose call,
// encoded as whmcs.HTTP sends it (attachments' base64 included), is over
// the limit: such a ticket fails before any of its calls, in run as in
// validate. Attachments of unknown size are read to learn it.
func (pl *Planner) checkSizes(ctx context.Context, p *Plan) error {
	if pl.maxRequest < 0 {
		return nil
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		var files []whmcs.FileInfo
		if st.Entry != nil && (st.Kind == StepOpen || st.Kind == StepReply || st.Kind == StepNote) {
			for _, a := range st.Entry.Attachments {
				size := a.Size
				if size < 0 {
					var err error
					if size, err = measure(a); err != nil {
						if ctx.Err() != nil {
							return ctx.Err()
						}
						size = 0 // unreadable: the source, or the send, reports it
					}
				}
				files = append(files, whmcs.FileInfo{Name: a.Name, Size: size})
			}
		}
		size := whmcs.RequestSize(st.Request(), pl.target, files) + pl.overhead
		if size <= pl.maxRequest {
			continue
		}
		pr := sources.Problem{Severity: sources.Error, Code: sources.CodeRequestTooLarge, Ticket: p.Ticket.ID, Origin: p.Ticket.Origin,
			Entry: st.EntryKey, Field: "target.max_request_size"}
		what := "the " + st.Kind.String() + " request"
		if st.EntryKey != "" {
			what += " of entry " + st.EntryKey
		}
		if st.Entry != nil && st.Entry.Origin != "" {
			pr.Origin = st.Entry.Origin
		}
		with := ""
		if len(files) > 0 {
			with = fmt.Sprintf(", its %d attachment(s) in base64 included", len(files))
		}
		pr.Message = fmt.Sprintf("%s is %s once encoded%s: over target.max_request_size %s (PHP's post_max_size, "+
			"beyond which WHMCS reads the request empty); none of the ticket's calls is sent",
			what, whmcs.FormatBytes(size), with, whmcs.FormatBytes(pl.maxRequest))
		p.Problems = append(p.Problems, pr)
	}
	return nil
}

// measure reads an attachment to learn its size.
func measure(a sources.Attachment) (int64, error) {
	if a.Open == nil {
		return 0, fmt.Errorf("attachment %q: no content", a.Name)
	}
	rc, err := a.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}
