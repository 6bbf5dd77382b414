#include "qtrace/host/views.h"

#include <boost/json.hpp>

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
