#include "qtrace/host/views.h"

#include <boost/json.hpp>
#include <map>

#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"

#include "qtrace/quantity.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/time.h"

namespace qtrace::host {
namespace {

namespace json = boost::json;

std::string_view LotStatusName(fb::LotStatus s) {
  switch (s) {
    case fb::LotStatus::RELEASED: return "released";
    case fb::LotStatus::QUARANTINED: return "quarantined";
    case fb::LotStatus::ON_HOLD: return "on_hold";
    case fb::LotStatus::RECALLED: return "recalled";
    case fb::LotStatus::DESTROYED: return "destroyed";
  }
  return "unknown";
}

std::string_view EdgeKindName(fb::EdgeKind k) {
  switch (k) {
    case fb::EdgeKind::COMPOSED_OF: return "composed_of";
    case fb::EdgeKind::MERGED_INTO: return "merged_into";
    case fb::EdgeKind::SPLIT_FROM: return "split_from";
    case fb::EdgeKind::APPLIED_TO: return "applied_to";
    case fb::EdgeKind::PROCESSED_ON: return "processed_on";
    case fb::EdgeKind::LABELLED_WITH: return "labelled_with";
    case fb::EdgeKind::CONTAINED_IN: return "contained_in";
    case fb::EdgeKind::RECONDITIONED_FROM: return "reconditioned_from";
    case fb::EdgeKind::PACKAGED_WITH: return "packaged_with";
  }
  return "unknown";
}

std::string Amount(int64_t micro, const std::string& unit) {
  return FormatAmount(micro, unit) + " " + unit;
}

std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

LotView MakeLotView(const LedgerState& state, LotId id) {
  const LotInfo& l = state.lot(id);
  const ProductInfo& p = state.product(l.product);
  LotView v;
  v.id = id;
  v.ref = FormatLotRef(p.scheme, p.id, l.code);
  v.product_name = p.name;
  v.sector = p.sector;
  v.producer = state.party(l.producer).id;
  v.unit = l.unit;
  v.site = l.site;
  v.status = std::string(LotStatusName(l.status));
  v.quantity = l.quantity;
  v.production = Timestamp{l.production_time, l.production_offset};
  v.expiry = l.expiry_time;
  v.voided = l.voided;
  v.index = l.index;
  for (const Holding& h : l.holdings) {
    HolderView hv;
    hv.party = state.party(h.party).id;
    hv.held = h.held;
    hv.produced = h.produced;
    hv.received = h.received;
    hv.in_transit = h.in_transit;
    hv.shipped = h.shipped;
    hv.used = h.used;
    hv.consumed = h.consumed;
    hv.destroyed = h.destroyed;
    hv.recovered = h.recovered;
    hv.adjusted = h.adjusted;
    v.holders.push_back(std::move(hv));
  }
  return v;
}

StatusOr<LotView> GetLotView(const Ledger& ledger, std::string_view lot_ref) {
  QT_ASSIGN_OR_RETURN(LotKeyParts parts, ParseLotRef(lot_ref));
  return ledger.WithState([&](const LedgerState& s) -> StatusOr<LotView> {
    auto id = s.FindLot(parts.scheme, parts.product, parts.lot);
    if (!id) return NotFound("no lot " + std::string(lot_ref), "unknown_lot");
    return MakeLotView(s, *id);
  });
}

StatusOr<TraceView> Trace(const Ledger& ledger, std::string_view lot_ref, bool forward,
                          const TraceOptions& options) {
  QT_ASSIGN_OR_RETURN(LotKeyParts parts, ParseLotRef(lot_ref));
  auto seed = ledger.WithState([&](const LedgerState& s) {
    return s.FindLot(parts.scheme, parts.product, parts.lot);
  });
  if (!seed) return NotFound("no lot " + std::string(lot_ref), "unknown_lot");
  LotId seeds[] = {*seed};
  const LineageIndex& index = ledger.lineage();
  TraceResult r = forward ? index.Forward(seeds, options) : index.Backward(seeds, options);
  TraceView view;
  view.direction = forward ? "forward" : "backward";
  view.seed = std::string(lot_ref);
  view.truncated = r.truncated;
  view.as_of = r.as_of;
  ledger.WithState([&](const LedgerState& s) {
    for (const TracedLot& t : r.lots) {
      TraceStep step;
      step.lot = MakeLotView(s, t.lot);
      step.depth = t.depth;
      step.terminal = t.terminal;
      if (t.parent != kNoId) step.parent = s.LotRefString(t.parent);
      switch (t.via) {
        case TraceVia::kSeed: step.via = "seed"; break;
        case TraceVia::kEdge: {
          auto e = index.GetEdge(t.link);
          step.via = e ? std::string(EdgeKindName(e->kind)) : "edge";
          break;
        }
        case TraceVia::kUnit: {
          auto a = index.GetApplication(t.link);
          if (a) {
            step.via = "unit " + s.unit(a->unit).id + " (applied " + FormatMicrosUtc(a->time) + ")";
          } else {
            step.via = "unit";
          }
          break;
        }
      }
      view.lots.push_back(std::move(step));
    }
    return 0;
  });
  return view;
}

namespace {

std::string Qty(const LedgerState& s, LotId lot, int64_t micro) {
  const std::string& unit = s.lot(lot).unit;
  return FormatAmount(micro, unit) + " " + unit;
}

}  // namespace

StatusOr<json::object> RecallStatusJson(const Ledger& ledger, std::string_view recall_id,
                                        std::optional<PartyIdx> only_party) {
  int64_t now = SystemClock::Default()->NowMicros();
  return ledger.WithState([&](const LedgerState& s) -> StatusOr<json::object> {
    const RecallInfo* rc = s.FindRecall(recall_id);
    if (rc == nullptr) return NotFound("no recall " + std::string(recall_id), "unknown_recall");
    json::object o;
    o["recall_id"] = rc->id;
    o["sector"] = rc->sector;
    o["level"] = rc->level;
    o["hazard"] = rc->hazard;
    o["reason"] = rc->reason;
    o["state"] = fb::EnumNameRecallState(rc->state);
    o["responsible"] = s.party(rc->responsible).id;
    o["ordered_by"] = s.party(rc->ordered_by).id;
    o["regulator_ordered"] = rc->regulator_ordered;
    o["depth"] = fb::EnumNameRecallDepth(rc->depth);
    o["decided_at"] = FormatMicrosUtc(rc->decided_at);
    o["risk_known_at"] = FormatMicrosUtc(rc->risk_known_at);
    o["log_index"] = rc->index;
    o["public_notice"] = rc->plan.public_notice;
    o["plan"] = json::parse(RecallPlanToJson(rc->plan)).as_object();
    // The recall's own deadlines: when each falls, when it was met, missed.
    json::array deadlines;
    for (const RecallDeadlineStatus& d : s.RecallDeadlines(*rc, now)) {
      json::object dobj{{"what", d.what}, {"party", s.party(d.party).id}};
      if (d.due) dobj["due"] = FormatMicrosUtc(d.due);
      if (d.met_at) dobj["met_at"] = FormatMicrosUtc(d.met_at);
      dobj["missed"] = d.missed;
      deadlines.push_back(std::move(dobj));
    }
    o["deadlines"] = std::move(deadlines);
    json::object scope;
    scope["as_of"] = rc->scope.as_of;
    scope["digest"] = HexEncode(AsBytes(rc->scope.digest));
    scope["lot_count"] = rc->scope.lots.size();
    json::array lots;
    for (LotId l : rc->scope.lots) lots.emplace_back(s.LotRefString(l));
    scope["lots"] = std::move(lots);
    if (!rc->scope.serials.empty()) {
      json::array ser;
      for (const auto& x : rc->scope.serials) ser.emplace_back(x);
      scope["serials"] = std::move(ser);
    }
    scope["notice_rounds"] = rc->rounds;
    o["scope"] = std::move(scope);

    // Per-party progress and effectiveness.
    json::array parties, holders;
    int64_t t_dist = 0, t_rec = 0, t_des = 0, t_con = 0, t_cor = 0, t_un = 0;
    size_t notified = 0, acked = 0, on_time = 0;
    for (const auto& [p, prog] : rc->parties) {
      if (prog.notified && !prog.informational) {
        ++notified;
        if (prog.acked) ++acked;
        if (prog.acked && (prog.ack_due == 0 || prog.acked_at <= prog.ack_due)) ++on_time;
      }
      if (only_party && p != *only_party) continue;
      json::object po;
      po["party"] = s.party(p).id;
      po["notified"] = prog.notified;
      if (prog.informational) po["for_information"] = true;
      if (prog.notified) {
        po["notified_at"] = FormatMicrosUtc(prog.notified_at);
        po["round"] = prog.round;
        if (prog.ack_due) po["ack_due"] = FormatMicrosUtc(prog.ack_due);
        po["acknowledged"] = prog.acked;
        if (prog.acked) {
          po["acknowledged_at"] = FormatMicrosUtc(prog.acked_at);
          po["on_time"] = prog.ack_due == 0 || prog.acked_at <= prog.ack_due;
        }
      }
      json::array overdue;
      if (prog.ack_overdue || (prog.notified && !prog.acked && prog.ack_due && now > prog.ack_due)) {
        overdue.emplace_back("acknowledgement");
      }
      if (prog.report_overdue_due) overdue.emplace_back("progress_report");
      for (const auto& m : rc->missed) {
        if (m.party == p) overdue.emplace_back(m.what);
      }
      po["overdue"] = std::move(overdue);
      if (prog.last_report_at) po["last_report_at"] = FormatMicrosUtc(prog.last_report_at);
      json::array ev;
      for (const auto& e : prog.evidence) ev.emplace_back(e);
      po["evidence"] = std::move(ev);
      parties.push_back(std::move(po));
    }
    for (const auto& h : rc->scope.holdings) {
      if (only_party && h.party != *only_party) continue;
      int64_t distributed = std::max<int64_t>(h.held, 0) + h.consumed;
      PartyRecallProgress::LotReport rep;
      auto pit = rc->parties.find(h.party);
      if (pit != rc->parties.end()) {
        auto lit = pit->second.reports.find(h.lot);
        if (lit != pit->second.reports.end()) rep = lit->second;
      }
      int64_t accounted = rep.recovered + rep.destroyed + rep.consumed + rep.corrected;
      int64_t unaccounted = std::max<int64_t>(distributed - accounted, 0);
      if (distributed == 0 && accounted == 0) continue;  // passed everything on
      json::object ho;
      ho["party"] = s.party(h.party).id;
      ho["lot"] = s.LotRefString(h.lot);
      ho["distributed"] = Qty(s, h.lot, distributed);
      ho["recovered"] = Qty(s, h.lot, rep.recovered);
      ho["destroyed"] = Qty(s, h.lot, rep.destroyed);
      ho["consumed"] = Qty(s, h.lot, rep.consumed);
      ho["corrected"] = Qty(s, h.lot, rep.corrected);
      ho["unaccounted"] = Qty(s, h.lot, unaccounted);
      holders.push_back(std::move(ho));
      t_dist += distributed;
      t_rec += rep.recovered;
      t_des += rep.destroyed;
      t_con += rep.consumed;
      t_cor += rep.corrected;
      t_un += unaccounted;
    }
    o["parties"] = std::move(parties);
    json::object eff;
    eff["by_holder"] = std::move(holders);
    // Totals are in micro-base units of each lot's dimension; they add up
    // when the scope's lots share one (the usual case).
    eff["totals_micro_base"] = json::object{{"distributed", t_dist}, {"recovered", t_rec},
                                            {"destroyed", t_des}, {"consumed", t_con},
                                            {"corrected", t_cor}, {"unaccounted", t_un}};
    eff["accounted_share"] =
        t_dist == 0 ? 1.0 : static_cast<double>(t_dist - t_un) / static_cast<double>(t_dist);
    eff["notified_parties"] = notified;
    eff["acknowledged"] = acked;
    eff["acknowledged_on_time"] = on_time;
    eff["acknowledged_share"] = notified ? static_cast<double>(acked) / notified : 1.0;
    eff["on_time_share"] = notified ? static_cast<double>(on_time) / notified : 1.0;
    o["effectiveness"] = std::move(eff);
    json::array transitions;
    for (const auto& t : rc->transitions) {
      json::object to{{"to", fb::EnumNameRecallState(t.to)}, {"at", FormatMicrosUtc(t.at)},
                      {"log_index", t.index}, {"reason", t.reason}};
      if (t.by != kNoIdx) to["by"] = s.party(t.by).id;
      transitions.push_back(std::move(to));
    }
    o["transitions"] = std::move(transitions);
    return o;
  });
}

StatusOr<json::object> RecallCandidatesJson(const Ledger& ledger, int64_t now) {
  return ledger.WithState([&](const LedgerState& s) -> StatusOr<json::object> {
    QT_ASSIGN_OR_RETURN(auto found, s.RecallCandidates(now));
    json::array list;
    for (const RecallCandidate& c : found) {
      const CertInfo& cert = s.certificate(c.cert);
      json::array lots;
      for (LotId id : c.lots) {
        const LotInfo& l = s.lot(id);
        json::array holders;
        for (const Holding& h : l.holdings) {
          if (h.held > 0 || h.in_transit > 0) holders.emplace_back(s.party(h.party).id);
        }
        lots.push_back(json::object{{"lot", s.LotRefString(id)},
                                    {"producer", s.party(l.producer).id},
                                    {"produced", FormatMicrosUtc(l.production_time)},
                                    {"holders", std::move(holders)}});
      }
      list.push_back(json::object{{"certificate", cert.id},
                                  {"kind", cert.kind},
                                  {"issuer", cert.issuer == kNoIdx ? "" : s.party(cert.issuer).id},
                                  {"status", c.status},
                                  {"since", FormatMicrosUtc(c.since)},
                                  {"lots", std::move(lots)}});
    }
    return json::object{{"candidates", std::move(list)}};
  });
}

StatusOr<std::string> RecallScopeCsv(const Ledger& ledger, std::string_view recall_id) {
  return ledger.WithState([&](const LedgerState& s) -> StatusOr<std::string> {
    const RecallInfo* rc = s.FindRecall(recall_id);
    if (rc == nullptr) return NotFound("no recall " + std::string(recall_id), "unknown_recall");
    std::string out =
        "recall,lot,product,producer,holder,received,held,shipped,used,consumed,destroyed,unit\n";
    for (const auto& h : rc->scope.holdings) {
      const LotInfo& l = s.lot(h.lot);
      out += CsvField(rc->id) + "," + CsvField(s.LotRefString(h.lot)) + "," +
             CsvField(s.product(l.product).name) + "," + CsvField(s.party(l.producer).id) + "," +
             CsvField(s.party(h.party).id) + "," + FormatAmount(h.received, l.unit) + "," +
             FormatAmount(h.held, l.unit) + "," + FormatAmount(h.shipped, l.unit) + "," +
             FormatAmount(h.used, l.unit) + "," + FormatAmount(h.consumed, l.unit) + "," +
             FormatAmount(h.destroyed, l.unit) + "," + l.unit + "\n";
    }
    return out;
  });
}

StatusOr<json::object> RecomputeRecallScope(const Ledger& ledger, std::string_view recall_id) {
  auto info = ledger.WithState([&](const LedgerState& s) -> StatusOr<std::pair<uint64_t, Hash256>> {
    const RecallInfo* rc = s.FindRecall(recall_id);
    if (rc == nullptr) return NotFound("no recall " + std::string(recall_id), "unknown_recall");
    return std::make_pair(rc->index, rc->scope.digest);
  });
  if (!info.ok()) return info.status();
  QT_ASSIGN_OR_RETURN(std::string bytes, ledger.EntryAt(info->first));
  QT_ASSIGN_OR_RETURN(const fb::LogEntry* entry, VerifyLogEntry(bytes));
  QT_ASSIGN_OR_RETURN(const fb::Record* rec, RecordOfEntry(*entry));
  const fb::RecallOrder* order = rec->body_as_RecallOrder();
  if (order == nullptr || order->seed() == nullptr) return Internal("recall record unreadable");
  return ledger.WithState([&](const LedgerState& s) -> StatusOr<json::object> {
    const RecallInfo* rc = s.FindRecall(recall_id);
    QT_ASSIGN_OR_RETURN(RecallScope again,
                        s.ComputeRecallScope(*order->seed(), rc->plan, info->first - 1));
    json::object o;
    o["recall_id"] = rc->id;
    o["as_of"] = info->first - 1;
    o["stored_digest"] = HexEncode(AsBytes(info->second));
    o["recomputed_digest"] = HexEncode(AsBytes(again.digest));
    o["same"] = again.digest == info->second;
    o["lots"] = again.lots.size();
    return o;
  });
}

StatusOr<json::object> TraceBack(const Ledger& ledger, const std::vector<std::string>& lot_refs) {
  if (lot_refs.size() < 1) return InvalidArgument("name at least one lot", "bad_query");
  std::vector<LotId> failed;
  QT_RETURN_IF_ERROR(ledger.WithState([&](const LedgerState& s) -> Status {
    for (const auto& ref : lot_refs) {
      QT_ASSIGN_OR_RETURN(LotKeyParts parts, ParseLotRef(ref));
      auto id = s.FindLot(parts.scheme, parts.product, parts.lot);
      if (!id) return NotFound("no lot " + ref, "unknown_lot");
      failed.push_back(*id);
    }
    return Status::Ok();
  }));
  std::sort(failed.begin(), failed.end());
  failed.erase(std::unique(failed.begin(), failed.end()), failed.end());
  // For each upstream lot: which failed lots reach back to it, and how close.
  std::map<LotId, std::pair<std::vector<LotId>, uint32_t>> hits;
  for (LotId f : failed) {
    LotId seeds[] = {f};
    TraceResult r = ledger.lineage().Backward(seeds);
    for (const TracedLot& t : r.lots) {
      if (t.lot == f) continue;
      auto& h = hits[t.lot];
      h.first.push_back(f);
      h.second = h.second == 0 ? t.depth : std::min(h.second, t.depth);
    }
  }
  std::vector<std::pair<LotId, std::pair<std::vector<LotId>, uint32_t>>> ranked(hits.begin(), hits.end());
  // Most failed lots explained first; among equals the closest (most
  // specific) upstream lot, then log order.
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.second.first.size() != b.second.first.size()) {
      return a.second.first.size() > b.second.first.size();
    }
    if (a.second.second != b.second.second) return a.second.second < b.second.second;
    return a.first < b.first;
  });
  return ledger.WithState([&](const LedgerState& s) {
    json::object o;
    o["failed_lots"] = failed.size();
    json::array out;
    for (const auto& [lot, h] : ranked) {
      json::object c;
      c["lot"] = s.LotRefString(lot);
      c["producer"] = s.party(s.lot(lot).producer).id;
      c["explains"] = h.first.size();
      c["share"] = static_cast<double>(h.first.size()) / static_cast<double>(failed.size());
      c["nearest_depth"] = h.second;
      json::array which;
      for (LotId f : h.first) which.emplace_back(s.LotRefString(f));
      c["failed_lots"] = std::move(which);
      out.push_back(std::move(c));
    }
    o["candidates"] = std::move(out);
    return o;
  });
}

json::object ToJson(const LotView& l) {
  json::object o;
  o["lot"] = l.ref;
  o["product"] = l.product_name;
  o["sector"] = l.sector;
  o["producer"] = l.producer;
  o["quantity"] = Amount(l.quantity, l.unit);
  o["production_time"] = FormatTimestamp(l.production);
  if (l.expiry != 0) o["expiry_time"] = FormatMicrosUtc(l.expiry);
  if (!l.site.empty()) o["site"] = l.site;
  o["status"] = l.voided ? "void" : l.status;
  o["log_index"] = l.index;
  json::array holders;
  for (const auto& h : l.holders) {
    json::object ho;
    ho["party"] = h.party;
    auto put = [&](const char* k, int64_t v) {
      if (v != 0) ho[k] = Amount(v, l.unit);
    };
    ho["held"] = Amount(h.held, l.unit);
    put("produced", h.produced);
    put("received", h.received);
    put("in_transit", h.in_transit);
    put("shipped", h.shipped);
    put("used", h.used);
    put("consumed", h.consumed);
    put("destroyed", h.destroyed);
    put("recovered", h.recovered);
    put("adjusted", h.adjusted);
    holders.push_back(std::move(ho));
  }
  o["holders"] = std::move(holders);
  return o;
}

json::object ToJson(const TraceView& t) {
  json::object o;
  o["direction"] = t.direction;
  o["seed"] = t.seed;
  o["as_of"] = t.as_of;
  o["truncated"] = t.truncated;
  json::array lots;
  for (const auto& s : t.lots) {
    json::object so = ToJson(s.lot);
    so["depth"] = s.depth;
    if (!s.parent.empty()) so["from"] = s.parent;
    so["via"] = s.via;
    so["terminal"] = s.terminal;
    lots.push_back(std::move(so));
  }
  o["lots"] = std::move(lots);
  return o;
}

std::string ToCsv(const TraceView& t) {
  std::string out =
      "depth,lot,product,sector,producer,production_time,status,via,from,holder,held,"
      "received,shipped,used,consumed,destroyed,unit\n";
  for (const auto& s : t.lots) {
    const LotView& l = s.lot;
    auto prefix = [&] {
      return std::to_string(s.depth) + "," + CsvField(l.ref) + "," + CsvField(l.product_name) +
             "," + CsvField(l.sector) + "," + CsvField(l.producer) + "," +
             FormatTimestamp(l.production) + "," + (l.voided ? "void" : l.status) + "," +
             CsvField(s.via) + "," + CsvField(s.parent) + ",";
    };
    if (l.holders.empty()) {
      out += prefix() + ",,,,,,," + l.unit + "\n";
      continue;
    }
    for (const auto& h : l.holders) {
      out += prefix() + CsvField(h.party) + "," + FormatAmount(h.held, l.unit) + "," +
             FormatAmount(h.received, l.unit) + "," + FormatAmount(h.shipped, l.unit) + "," +
             FormatAmount(h.used, l.unit) + "," + FormatAmount(h.consumed, l.unit) + "," +
             FormatAmount(h.destroyed, l.unit) + "," + l.unit + "\n";
    }
  }
  return out;
}

}  // namespace qtrace::host
