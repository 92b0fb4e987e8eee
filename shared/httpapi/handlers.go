package httpapi

import (
	"net/http"

	"github.com/yourang/yourang/shared/callsession"
)

type startRequestJSON struct {
	CustomerID string `json:"customer_id"`
	CallRef    string `json:"call_ref"`
	Agent      *struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
	} `json:"agent"`
}

func (a *API) startCall(w http.ResponseWriter, r *http.Request, c callsession.Caller) error {
	var body startRequestJSON
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}
	if body.Agent == nil {
		return callsession.Errorf(callsession.CodeInvalid, "agent is missing: send {\"id\": ..., \"display_name\": ...}")
	}

	req := callsession.StartRequest{
		CustomerID: body.CustomerID,
		CallRef:    body.CallRef,
		Agent:      callsession.Agent{ID: body.Agent.ID, DisplayName: body.Agent.DisplayName},
	}
	res, err := a.svc.Start(r.Context(), c, req)
	if err != nil {
		return err
	}

	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/calls/"+res.Session.CallID)
	}
	writeJSON(w, status, "application/json", toSessionJSON(res.Session, a.svc.Now()))
	return nil
}

func (a *API) getCall(w http.ResponseWriter, r *http.Request, c callsession.Caller) error {
	s, err := a.svc.Session(r.Context(), c, r.PathValue("call_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", toSessionJSON(s, a.svc.Now()))
	return nil
}

type gateRequestJSON struct {
	Fields []string `json:"fields"`
}

func (a *API) gate(w http.ResponseWriter, r *http.Request, c callsession.Caller) error {
	var body gateRequestJSON
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}

	res, err := a.svc.Gate(r.Context(), c, r.PathValue("call_id"), body.Fields)
	if err != nil {
		// Every failure after validation still lists each field as denied,
		// so a client that only reads decisions fails closed too.
		a.writeError(r.Context(), w, err, res.Decisions)
		return nil
	}

	out := gateJSON{CallID: res.Session.CallID, Status: string(res.Status)}
	for _, d := range res.Decisions {
		out.Decisions = append(out.Decisions, toDecisionJSON(d))
	}
	writeJSON(w, http.StatusOK, "application/json", out)
	return nil
}

type answerRequestJSON struct {
	Answer    string `json:"answer"`
	MatchCode string `json:"match_code"`
}

func (a *API) respond(w http.ResponseWriter, r *http.Request, c callsession.Caller) error {
	var body answerRequestJSON
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}

	req := callsession.AnswerRequest{
		CallID:    r.PathValue("call_id"),
		Answer:    callsession.Answer(body.Answer),
		MatchCode: body.MatchCode,
	}
	res, err := a.svc.Answer(r.Context(), c, req)
	if err != nil {
		return err
	}

	s := res.Session
	now := a.svc.Now()
	writeJSON(w, http.StatusOK, "application/json", answerJSON{
		CallID:      s.CallID,
		Status:      string(s.StatusAt(now)),
		EndReason:   string(s.EndReasonAt(now)),
		AnsweredAt:  timeJSON(s.AnsweredAt),
		AccessUntil: timeJSON(s.AccessUntil),
	})
	return nil
}

func (a *API) history(w http.ResponseWriter, r *http.Request, c callsession.Caller) error {
	sessions, err := a.svc.History(r.Context(), c)
	if err != nil {
		return err
	}

	now := a.svc.Now()
	out := historyJSON{CustomerID: c.ID, Calls: []historyCallJSON{}}
	for _, s := range sessions {
		out.Calls = append(out.Calls, toHistoryCallJSON(s, now))
	}
	writeJSON(w, http.StatusOK, "application/json", out)
	return nil
}

type deviceRequestJSON struct {
	Platform string `json:"platform"`
	Token    string `json:"token"`
}

func (a *API) putDevice(w http.ResponseWriter, r *http.Request, c callsession.Caller) error {
	var body deviceRequestJSON
	if err := decodeBody(w, r, &body); err != nil {
		return err
	}

	d, err := a.svc.RegisterDevice(r.Context(), c, callsession.Device{
		DeviceID: r.PathValue("device_id"),
		Platform: callsession.Platform(body.Platform),
		Token:    body.Token,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", deviceJSON{
		DeviceID:  d.DeviceID,
		Platform:  string(d.Platform),
		Enabled:   d.Enabled,
		UpdatedAt: timeJSON(d.UpdatedAt),
	})
	return nil
}

func (a *API) deleteDevice(w http.ResponseWriter, r *http.Request, c callsession.Caller) error {
	if err := a.svc.RemoveDevice(r.Context(), c, r.PathValue("device_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
