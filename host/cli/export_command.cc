// `qtrace export --lot SCHEME:PRODUCT/LOT --out BUNDLE --data-dir DIR`:
// writes a lot bundle (bundle.h, docs/bundle-format.md) from a stopped data
// dir (or a backup / checkpoint copy of one).
//
// What goes in, all proven against the newest checkpoint:
//   - the lot set: the forward trace of the lot, and the backward trace of
//     the lot and of every lot of that forward trace (so every input of
//     every included lot is included, through production units too);
//   - the registration of every lot of the set and of its product;
//   - every record that names a lot of the set once it is registered
//     (unit applications, shipments, receipts, aggregations, dispositions,
//     adjustments, status changes), the receipts of included shipments, the
//     aggregations of the set's serials and the shipments of those
//     containers, and error declarations about included records;
//   - the registration of every production unit involved, with its emptied
//     and process-run events;
//   - for every party that stated an included record: its registration and
//     every record that added or revoked one of its keys, and the same for
//     the parties that signed those (up to genesis);
//   - genesis.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "bundle.h"
#include "cli.h"
#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/host/lineage_index.h"
#include "qtrace/host/state.h"
#include "qtrace/log_entry.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"
#include "qtrace/storage/keys.h"
#include "store_access.h"

namespace qtrace::cli {
namespace {

using host::LedgerState;
using host::LotId;

struct ExportArgs {
  std::string lot, out, data_dir;
};

constexpr std::string_view kExportAdvice = "export from a backup or checkpoint copy of the data dir";

std::string_view Sv(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : s->string_view();
}
std::string_view Bytes(const flatbuffers::Vector<uint8_t>* v) {
  if (v == nullptr) return {};
  return {reinterpret_cast<const char*>(v->data()), v->size()};
}
std::string Key2(std::string_view a, std::string_view b) {
  std::string k(a);
  k += '\n';
  k += b;
  return k;
}

// What the forward scan over the log selects.
class Selector {
 public:
  Selector(std::set<uint64_t> lot_registrations) : lot_regs_(std::move(lot_registrations)) {}

  // Decides whether the record at `index` belongs to the bundle and
  // remembers what it makes relevant later in the log.
  bool Consider(uint64_t index, const fb::LogEntry& e, const fb::Record& r) {
    const std::string_view party = Sv(r.header()->party());
    bool inc = false;
    auto lot_in = [&](const fb::LotRef* ref) {
      return ref != nullptr && active_lots_.count(FormatLotRef(ref)) != 0;
    };
    auto any_item = [&](const auto* items) {
      if (items == nullptr) return false;
      for (const auto* it : *items) {
        if (lot_in(it->lot())) return true;
      }
      return false;
    };
    switch (r.body_type()) {
      case fb::Body::Genesis:
        inc = true;
        break;
      case fb::Body::LotRegistration: {
        const auto* l = r.body_as_LotRegistration();
        if (lot_regs_.count(index) == 0) break;
        inc = true;
        active_lots_.insert(FormatLotRef(l->lot()));
        if (l->serials() != nullptr) {
          for (const auto* s : *l->serials()) serials_.insert(s->str());
        }
        if (l->units() != nullptr) {
          for (const auto* u : *l->units()) units_.insert({std::string(party), std::string(Sv(u->unit()))});
        }
        break;
      }
      case fb::Body::UnitEvent: {
        const auto* u = r.body_as_UnitEvent();
        const bool names_lot = u->kind() == fb::UnitEventKind::INPUT_APPLIED ||
                               u->kind() == fb::UnitEventKind::STORED;
        if (names_lot && u->input() != nullptr && lot_in(u->input())) {
          inc = true;
          units_.insert({std::string(party), std::string(Sv(u->unit()))});
        }
        break;
      }
      case fb::Body::Aggregation: {
        const auto* a = r.body_as_Aggregation();
        inc = any_item(a->child_lots());
        if (!inc && a->children() != nullptr) {
          for (const auto* c : *a->children()) {
            if (serials_.count(c->str()) != 0 || containers_.count(c->str()) != 0) {
              inc = true;
              break;
            }
          }
        }
        if (inc && a->action() == fb::AggregationAction::PACK && a->parent() != nullptr) {
          containers_.insert(a->parent()->str());
        }
        break;
      }
      case fb::Body::Shipment: {
        const auto* s = r.body_as_Shipment();
        inc = any_item(s->items());
        if (!inc && s->containers() != nullptr) {
          for (const auto* c : *s->containers()) {
            if (containers_.count(c->str()) != 0) {
              inc = true;
              break;
            }
          }
        }
        if (inc) shipments_.insert(Key2(party, Sv(s->shipment_id())));
        break;
      }
      case fb::Body::Receipt: {
        const auto* rc = r.body_as_Receipt();
        inc = any_item(rc->items()) ||
              shipments_.count(Key2(Sv(rc->from()), Sv(rc->shipment_id()))) != 0;
        break;
      }
      case fb::Body::Disposition:
        inc = any_item(r.body_as_Disposition()->items());
        break;
      case fb::Body::Adjustment:
        inc = lot_in(r.body_as_Adjustment()->lot());
        break;
      case fb::Body::LotStatusChange:
        inc = lot_in(r.body_as_LotStatusChange()->lot());
        break;
      case fb::Body::ErrorDeclaration: {
        const auto* d = r.body_as_ErrorDeclaration();
        for (const auto* list : {d->corrected(), d->corrective()}) {
          if (list == nullptr) continue;
          for (const fb::Hash256* h : *list) {
            std::string id(reinterpret_cast<const char*>(h->bytes()->data()), 32);
            if (record_ids_.count(id) != 0) inc = true;
          }
        }
        break;
      }
      default:
        break;
    }
    if (inc) {
      parties_.insert(std::string(party));
      Hash256 id = RecordIdOf(Sv(e.payload_type()), Bytes(e.payload()));
      record_ids_.insert(std::string(AsBytes(id)));
    }
    return inc;
  }

  const std::set<std::pair<std::string, std::string>>& units() const { return units_; }
  const std::set<std::string>& parties() const { return parties_; }

 private:
  std::set<uint64_t> lot_regs_;
  std::set<std::string> active_lots_, serials_, containers_, shipments_, parties_, record_ids_;
  std::set<std::pair<std::string, std::string>> units_;
};

CommandResult ExportCommand(const ExportArgs& a) {
  auto ref = CanonicalLotRef(a.lot);
  if (!ref.ok()) return UsageError("--lot: " + ref.status().message());
  const LotKeyParts parts = *ParseLotRef(*ref);
  host::DataDirLayout layout(a.data_dir);
  if (auto e = RefuseIfInUse(layout.db(), kExportAdvice)) return *e;
  if (!StoreExists(layout.db())) return UsageError("no qtrace store at " + layout.db());

  host::LedgerOptions lo;
  lo.data_dir = a.data_dir;
  lo.verify_threads = 1;
  lo.snapshot_interval = 0;
  lo.db.block_cache_mb = 16;
  auto opened = host::Ledger::Open(lo);
  if (!opened.ok()) {
    if (opened.status().reason() == "store_locked") {
      return UsageError("the store " + layout.db() +
                        " is open in another process (a running qtraced?): stop qtraced or " +
                        std::string(kExportAdvice));
    }
    return UsageError("cannot open the data dir " + a.data_dir + ": " +
                      opened.status().message() + " (qtrace audit tells what is damaged)");
  }
  host::Ledger& ledger = **opened;
  auto cp = ledger.LatestCheckpoint();
  if (cp == nullptr) return UsageError("the log has no signed checkpoint yet");
  const uint64_t size = cp->size;

  // The lot set: forward from the lot, then backward from all of that.
  auto seed = ledger.WithState([&](const LedgerState& s) {
    return s.FindLot(parts.scheme, parts.product, parts.lot);
  });
  if (!seed) return UsageError("no lot " + *ref + " in the log at " + a.data_dir);
  const host::LineageIndex& lineage = ledger.lineage();
  LotId seeds[] = {*seed};
  host::TraceResult fwd = lineage.Forward(seeds);
  std::vector<LotId> fwd_lots = {*seed};
  for (const auto& t : fwd.lots) fwd_lots.push_back(t.lot);
  host::TraceResult bwd = lineage.Backward(fwd_lots);
  std::set<LotId> lots(fwd_lots.begin(), fwd_lots.end());
  for (const auto& t : bwd.lots) lots.insert(t.lot);

  std::set<uint64_t> include = {0};
  std::set<uint64_t> lot_regs;
  ledger.WithState([&](const LedgerState& s) {
    for (LotId id : lots) {
      lot_regs.insert(s.lot(id).index);
      include.insert(s.product(s.lot(id).product).index);
    }
    return 0;
  });

  // One pass over the log, in order.
  Selector selector(lot_regs);
  {
    auto it = ledger.db().NewIterator(storage::Cf::kRecords);
    uint64_t expect = 0;
    for (it->SeekToFirst(); it->Valid() && expect < size; it->Next(), ++expect) {
      storage::KeyReader kr(it->key());
      uint64_t index = 0;
      if (!kr.U64(&index) || index != expect) {
        return UsageError("the log has a gap at index " + std::to_string(expect) +
                          " (run qtrace audit)");
      }
      std::string bytes(it->value());
      auto e = VerifyLogEntry(bytes);
      auto r = e.ok() ? RecordOfEntry(**e) : StatusOr<const fb::Record*>(e.status());
      if (!r.ok() || (*r)->header() == nullptr) {
        return UsageError("log index " + std::to_string(index) + " does not decode (run qtrace audit)");
      }
      if (selector.Consider(index, **e, **r)) include.insert(index);
    }
    if (!it->status().ok()) return UsageError("reading the log: " + it->status().message());
  }

  // Units: registration, emptied and process-run events. Parties: their
  // registration and key records, and those of whoever signed them.
  auto stating_party = [&](uint64_t index) -> StatusOr<std::string> {
    QT_ASSIGN_OR_RETURN(std::string bytes, ledger.EntryAt(index));
    QT_ASSIGN_OR_RETURN(const fb::LogEntry* e, VerifyLogEntry(bytes));
    QT_ASSIGN_OR_RETURN(const fb::Record* r, RecordOfEntry(*e));
    return std::string(Sv(r->header()->party()));
  };
  std::set<std::string> parties = selector.parties();
  std::vector<uint64_t> added;
  ledger.WithState([&](const LedgerState& s) {
    for (const auto& [owner, unit] : selector.units()) {
      auto p = s.FindParty(owner);
      if (!p) continue;
      auto u = s.FindUnit(*p, unit);
      if (!u) continue;
      const host::UnitInfo& info = s.unit(*u);
      added.push_back(info.index);
      for (const auto& ev : info.events) {
        // Emptyings and process runs; applications and storage belong to
        // their lots, included with them.
        const bool own = ev.kind == fb::UnitEventKind::EMPTIED ||
                         ev.kind == fb::UnitEventKind::PROCESS_RUN;
        if (own && ev.index < size) added.push_back(ev.index);
      }
    }
    return 0;
  });
  for (uint64_t i : added) {
    if (include.insert(i).second) {
      auto p = stating_party(i);
      if (p.ok()) parties.insert(*p);
    }
  }
  std::vector<std::string> work(parties.begin(), parties.end());
  std::set<std::string> done;
  while (!work.empty()) {
    std::string party = std::move(work.back());
    work.pop_back();
    if (!done.insert(party).second) continue;
    std::vector<uint64_t> records;
    ledger.WithState([&](const LedgerState& s) {
      auto p = s.FindParty(party);
      if (!p) return 0;
      const host::PartyInfo& info = s.party(*p);
      records.push_back(info.index);
      for (const KeyId& kid : info.keys) {
        const host::KeyInfo* k = s.FindKey(kid);
        if (k == nullptr) continue;
        records.push_back(k->added_index);
        if (k->revoked) records.push_back(k->revoked_index);
      }
      return 0;
    });
    for (uint64_t i : records) {
      if (i >= size) continue;
      include.insert(i);
      auto signer = stating_party(i);
      if (!signer.ok()) return UsageError("log index " + std::to_string(i) + ": " + signer.status().message());
      if (done.count(*signer) == 0) work.push_back(*signer);
    }
  }

  // The bundle.
  Bundle bundle;
  bundle.lot = *ref;
  bundle.checkpoint_note = cp->note;
  std::map<std::string, uint64_t> by_type;
  for (uint64_t i : include) {
    if (i >= size) continue;
    auto bytes = ledger.EntryAt(i);
    if (!bytes.ok()) return UsageError("log index " + std::to_string(i) + ": " + bytes.status().message());
    auto proof = ledger.InclusionProof(i, size);
    if (!proof.ok()) return UsageError("inclusion proof of log index " + std::to_string(i) + ": " + proof.status().message());
    auto e = VerifyLogEntry(*bytes);
    if (e.ok()) {
      auto r = RecordOfEntry(**e);
      if (r.ok()) ++by_type[std::string(BodyTypeName((*r)->body_type()))];
    }
    bundle.entries.push_back({i, std::move(*bytes), std::move(*proof)});
  }
  const std::string text = FormatBundle(bundle);
  const std::string tmp = a.out + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return UsageError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, a.out, ec);
  if (ec) return UsageError("cannot write " + a.out + ": " + ec.message());

  std::string out = "wrote " + a.out + "\n";
  out += "lot: " + *ref + "\n";
  out += "lots: " + std::to_string(lots.size()) + " (forward trace " +
         std::to_string(fwd.lots.size()) + ", with the backward trace of all of them)\n";
  out += "entries: " + std::to_string(bundle.entries.size()) + " (";
  bool first = true;
  for (const auto& [type, n] : by_type) {
    out += (first ? "" : ", ") + type + " " + std::to_string(n);
    first = false;
  }
  out += ")\n";
  out += "checkpoint: size " + std::to_string(size) + ", " + FormatCheckpointTime(cp->time_micros) + "\n";
  return Success(std::move(out));
}

}  // namespace

void AddExportCommands(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write a lot's lineage records with inclusion proofs to one signed checkpoint "
      "(a lot bundle; qtraced stopped)");
  cmd->add_option("--lot", args->lot, "SCHEME:PRODUCT/LOT, or GTIN14/LOT")->required();
  cmd->add_option("--out", args->out, "bundle file to write")->required();
  cmd->add_option("--data-dir", args->data_dir, "qtraced data dir (daemon stopped)")->required();
  SetHandler(cmd, [args] { return ExportCommand(*args); });
}

}  // namespace qtrace::cli
