// The commands that state records: party, product, unit (register, apply,
// emptied, run, store), lot, ship, receive, consume, pack, unpack, adjust,
// lot-status, correct, cert (issue, status), inspect, params and submit.
//
// Flags fill the SDK's record specs (qtrace/record_builder.h), which become
// the readable JSON record and, through the one mapping (record_json.h), the
// signed flatbuffer: the CLI never builds a record any other way.
//
//   qtrace lot --lot local:feed/F-2406 --quantity "2 TNE"
//              --produced 2026-04-20T08:00:00+08:00 --input local:x/y=3KGM ...
#include <fstream>
#include <memory>
#include <sstream>

#include "client_flags.h"
#include "qtrace/encoding.h"
#include "qtrace/record_builder.h"
#include "qtrace/record_json.h"

namespace qtrace::cli {
namespace {

// ---- parsing flag values -------------------------------------------------------------

using Parsed = std::optional<CommandResult>;

Parsed Bad(std::string_view flag, const Status& s) {
  return UsageError(std::string(flag) + ": " + s.message());
}

Parsed ParseItems(std::string_view flag, const std::vector<std::string>& in,
                  std::vector<LotQuantity>* out) {
  for (const auto& text : in) {
    auto q = LotQuantity::Parse(text);
    if (!q.ok()) return Bad(flag, q.status());
    out->push_back(std::move(*q));
  }
  return std::nullopt;
}

Parsed ParseAttrs(std::string_view flag, const std::vector<std::string>& in, Attributes* out) {
  for (const auto& text : in) {
    auto a = Attribute::Parse(text);
    if (!a.ok()) return Bad(flag, a.status());
    out->push_back(std::move(*a));
  }
  return std::nullopt;
}

// "REF=QTY" or "REF=QTY:kind".
Parsed ParseInputs(const std::vector<std::string>& in, std::vector<InputSpec>* out) {
  for (const auto& text : in) {
    auto eq = text.rfind('=');
    std::string rest = eq == std::string::npos ? "" : text.substr(eq + 1);
    std::string kind;
    if (auto colon = rest.find(':'); colon != std::string::npos) {
      kind = rest.substr(colon + 1);
      rest = rest.substr(0, colon);
    }
    auto q = LotQuantity::Parse(eq == std::string::npos ? text : text.substr(0, eq) + "=" + rest);
    if (!q.ok()) return Bad("--input", q.status());
    out->push_back({q->lot, q->quantity, kind});
  }
  return std::nullopt;
}

// "UNIT@TIME" or "UNIT@START,END".
Parsed ParseUnitUses(const std::vector<std::string>& in, std::vector<UnitUseSpec>* out) {
  for (const auto& text : in) {
    auto at = text.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
      return UsageError("--from-unit '" + text + "' must look like UNIT@TIME or UNIT@START,END");
    }
    UnitUseSpec u{text.substr(0, at), text.substr(at + 1), ""};
    if (auto comma = u.start.find(','); comma != std::string::npos) {
      u.end = u.start.substr(comma + 1);
      u.start = u.start.substr(0, comma);
    }
    out->push_back(std::move(u));
  }
  return std::nullopt;
}

// "ID" or "ID=STANDARD".
std::vector<CertRefSpec> ParseCerts(const std::vector<std::string>& in) {
  std::vector<CertRefSpec> out;
  for (const auto& text : in) {
    auto eq = text.find('=');
    if (eq == std::string::npos) {
      out.push_back({text, ""});
    } else {
      out.push_back({text.substr(0, eq), text.substr(eq + 1)});
    }
  }
  return out;
}

// "KIND:NUMBER" or "KIND:NUMBER:SCOPE".
Parsed ParseLicences(const std::vector<std::string>& in, std::vector<LicenceSpec>* out) {
  for (const auto& text : in) {
    auto c1 = text.find(':');
    if (c1 == std::string::npos || c1 == 0 || c1 + 1 == text.size()) {
      return UsageError("--licence '" + text + "' must look like KIND:NUMBER[:SCOPE]");
    }
    LicenceSpec l;
    l.kind = text.substr(0, c1);
    std::string rest = text.substr(c1 + 1);
    if (auto c2 = rest.find(':'); c2 != std::string::npos) {
      l.scope = rest.substr(c2 + 1);
      rest = rest.substr(0, c2);
    }
    l.number = rest;
    out->push_back(std::move(l));
  }
  return std::nullopt;
}

// A public key: a PEM file, or the base64 of the raw 32 bytes.
Parsed ParsePublicKeys(const std::vector<std::string>& in, std::vector<RawPublicKey>* out) {
  for (const auto& text : in) {
    auto raw = Base64Decode(text);
    if (raw && raw->size() == 32) {
      RawPublicKey k;
      std::copy(raw->begin(), raw->end(), reinterpret_cast<char*>(k.data()));
      out->push_back(k);
      continue;
    }
    auto pem = VerifyingKey::LoadPem(text);
    if (!pem.ok()) {
      return UsageError("--public-key " + text + ": neither a PEM file nor base64 of 32 bytes (" +
                        pem.status().message() + ")");
    }
    out->push_back(pem->raw());
  }
  return std::nullopt;
}

Parsed ReadLines(const std::string& path, std::vector<std::string>* out) {
  if (path.empty()) return std::nullopt;
  std::string text;
  if (auto e = ReadFileArg("--serials-file", path, &text)) return e;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) out->push_back(line);
  }
  return std::nullopt;
}

Parsed ParseHashes(std::string_view flag, const std::vector<std::string>& in,
                   std::vector<Hash256>* out) {
  for (const auto& text : in) {
    auto raw = HexDecode(text);
    Hash256 h;
    if (!raw || !ToHash256(*raw, &h)) {
      return UsageError(std::string(flag) + " '" + text + "' is not a record id (64 hex digits)");
    }
    out->push_back(h);
  }
  return std::nullopt;
}

// "NAME=VALUE[ UNIT][;min=X][;max=Y][;pass|;fail]".
Parsed ParseInspectionItems(const std::vector<std::string>& in,
                            std::vector<InspectionItemSpec>* out) {
  for (const auto& text : in) {
    std::vector<std::string> parts;
    std::stringstream ss(text);
    for (std::string p; std::getline(ss, p, ';');) parts.push_back(p);
    auto eq = parts.empty() ? std::string::npos : parts[0].find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageError("--item '" + text + "' must look like NAME=VALUE[ UNIT][;min=X][;max=Y]");
    }
    InspectionItemSpec item;
    item.name = parts[0].substr(0, eq);
    std::string value = parts[0].substr(eq + 1);
    if (auto sp = value.find(' '); sp != std::string::npos) {
      item.unit = value.substr(sp + 1);
      value = value.substr(0, sp);
    }
    item.value = value;
    for (size_t i = 1; i < parts.size(); ++i) {
      const std::string& p = parts[i];
      if (p.rfind("min=", 0) == 0) {
        item.min = p.substr(4);
      } else if (p.rfind("max=", 0) == 0) {
        item.max = p.substr(4);
      } else if (p == "pass" || p == "fail") {
        item.pass = p == "pass";
      } else {
        return UsageError("--item '" + text + "': unknown part '" + p + "'");
      }
    }
    out->push_back(std::move(item));
  }
  return std::nullopt;
}

void TakeAll(CLI::Option* o) { o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll); }

// ---- the commands ------------------------------------------------------------------------

struct PartyArgs {
  RecordFlags f;
  PartySpec spec;
  std::vector<std::string> licences, keys;
};

struct ProductArgs {
  RecordFlags f;
  ProductSpec spec;
  std::vector<std::string> attrs;
};

struct UnitArgs {
  RecordFlags f;
  UnitSpec unit;
  ApplyInputSpec apply;
  EmptiedSpec emptied;
  ProcessRunSpec run;
  StoredSpec stored;
  std::vector<std::string> attrs;
};

struct LotArgs {
  RecordFlags f;
  LotSpec spec;
  std::vector<std::string> inputs, unit_uses, attrs, certs;
  std::string serials_file;
};

struct MoveArgs {  // ship, receive, consume, pack, unpack
  RecordFlags f;
  std::string party, shipment_id, kind, parent;
  std::vector<std::string> items, serials, containers, children;
};

struct AdjustArgs {
  RecordFlags f;
  AdjustmentSpec adjust;
  LotStatusSpec status;
};

struct CorrectArgs {
  RecordFlags f;
  std::vector<std::string> corrected, corrective;
  std::string reason;
};

struct CertArgs {
  RecordFlags f;
  CertificateSpec cert;
  CertificateStatusSpec status;
  std::vector<std::string> attrs;
};

struct InspectArgs {
  RecordFlags f;
  InspectionSpec spec;
  std::vector<std::string> items;
};

struct ParamsArgs {
  RecordFlags f;
  RuleParametersSpec spec;
  std::vector<std::string> params;
};

struct SubmitArgs {
  RecordFlags f;
  std::string file;
};

CommandResult Party(PartyArgs& a) {
  if (auto e = ParseLicences(a.licences, &a.spec.licences)) return *e;
  if (auto e = ParsePublicKeys(a.keys, &a.spec.keys)) return *e;
  std::string roles;
  for (const auto& r : a.spec.roles) roles += (roles.empty() ? "" : ", ") + r;
  std::string what = "party " + a.spec.party_id;
  if (!a.spec.name.empty()) what += ": " + a.spec.name;
  return SubmitSpec(a.f, a.spec, what + " (" + roles + ")");
}

CommandResult Product(ProductArgs& a) {
  if (auto e = ParseAttrs("--attr", a.attrs, &a.spec.attributes)) return *e;
  std::string what = "product " + a.spec.product;
  if (!a.spec.name.empty()) what += ": " + a.spec.name;
  return SubmitSpec(a.f, a.spec, what);
}

CommandResult Lot(LotArgs& a) {
  if (auto e = ParseInputs(a.inputs, &a.spec.inputs)) return *e;
  if (auto e = ParseUnitUses(a.unit_uses, &a.spec.units)) return *e;
  if (auto e = ParseAttrs("--attr", a.attrs, &a.spec.attributes)) return *e;
  if (auto e = ReadLines(a.serials_file, &a.spec.serials)) return *e;
  if (auto q = NormalizeQuantity(a.spec.quantity); q.ok()) a.spec.quantity = *q;
  a.spec.certificates = ParseCerts(a.certs);
  std::string what = "lot " + a.spec.lot + " (" + a.spec.quantity;
  if (a.spec.inputs.size() > 3) {
    what += ", " + std::to_string(a.spec.inputs.size()) + " inputs";
  } else if (!a.spec.inputs.empty()) {
    std::string from;
    for (const auto& in : a.spec.inputs) from += (from.empty() ? "" : " + ") + in.lot;
    what += ", from " + from;
  }
  for (const auto& u : a.spec.units) {
    what += u.end.empty() ? ", harvested from " + u.unit : ", made on " + u.unit;
  }
  if (!a.spec.serials.empty()) what += ", " + std::to_string(a.spec.serials.size()) + " serials";
  return SubmitSpec(a.f, a.spec, what + ")");
}

// Serials given with --serial belong to the one item.
Parsed ItemsWithSerials(const MoveArgs& a, std::vector<LotQuantity>* items) {
  if (auto e = ParseItems("--item", a.items, items)) return e;
  if (!a.serials.empty()) {
    if (items->size() != 1) return UsageError("--serial needs exactly one --item");
    (*items)[0].serials = a.serials;
  }
  return std::nullopt;
}

std::string ItemsText(const std::vector<LotQuantity>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i.quantity + " of " + i.lot;
  return s;
}

CommandResult Ship(MoveArgs& a) {
  ShipmentSpec s{.shipment_id = a.shipment_id, .to = a.party, .containers = a.containers};
  if (auto e = ItemsWithSerials(a, &s.items)) return *e;
  return SubmitSpec(a.f, s,
                    "shipment " + a.shipment_id + ": " + ItemsText(s.items) + " to " + a.party);
}

CommandResult Receive(MoveArgs& a) {
  ReceiveSpec s{.from = a.party, .shipment_id = a.shipment_id};
  if (auto e = ItemsWithSerials(a, &s.items)) return *e;
  return SubmitSpec(a.f, s,
                    "receipt of " + a.shipment_id + " from " + a.party + ": " + ItemsText(s.items));
}

CommandResult Consume(MoveArgs& a) {
  DispositionSpec s{.kind = a.kind};
  if (auto e = ItemsWithSerials(a, &s.items)) return *e;
  return SubmitSpec(a.f, s, a.kind + ": " + ItemsText(s.items));
}

CommandResult Aggregate(MoveArgs& a, const std::string& action) {
  AggregationSpec s{.action = action, .parent = a.parent, .children = a.children};
  if (auto e = ParseItems("--child-lot", a.items, &s.child_lots)) return *e;
  std::string what =
      action + " " + a.parent + ": " + std::to_string(a.children.size()) + " item(s)";
  if (!s.child_lots.empty()) what += ", " + ItemsText(s.child_lots);
  return SubmitSpec(a.f, s, what);
}

CommandResult Correct(CorrectArgs& a) {
  CorrectionSpec s{.reason = a.reason};
  if (auto e = ParseHashes("--record", a.corrected, &s.corrected)) return *e;
  if (auto e = ParseHashes("--corrective", a.corrective, &s.corrective)) return *e;
  return SubmitSpec(a.f, s,
                    "error declaration for " + std::to_string(s.corrected.size()) + " record(s)");
}

CommandResult Inspect(InspectArgs& a) {
  if (auto e = ParseInspectionItems(a.items, &a.spec.items)) return *e;
  return SubmitSpec(a.f, a.spec, "inspection " + a.spec.inspection_id + " of " + a.spec.lot);
}

CommandResult SubmitFile(SubmitArgs& a) {
  std::string text;
  if (auto e = ReadFileArg("record", a.file, &text)) return *e;
  std::unique_ptr<Client> client;
  if (auto e = MakeClient(a.f.conn, KeyUse::kOptional, &client)) return *e;
  std::optional<SignedEnvelope> env;
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (!trimmed.empty() && trimmed.front() == '{') {
    if (trimmed.find("\"payload_type\"") != std::string_view::npos) {
      auto e = EnvelopeFromJson(text);
      if (!e.ok()) return InputError(e.status(), a.file);
      env = std::move(*e);
    } else {
      if (a.f.conn.key.empty()) return UsageError("a readable record is signed with --key");
      auto party = client->Party();
      if (!party.ok()) return ServerError(party.status(), "finding the party of --key");
      auto e = client->Sign(text);
      if (!e.ok()) return InputError(e.status(), a.file);
      env = std::move(*e);
    }
  } else {
    auto e = DecodeEnvelope(text);
    if (!e.ok()) return InputError(e.status(), a.file + " (not JSON, so a flatbuffer envelope)");
    env = std::move(*e);
  }
  std::string what = "record from " + a.file;
  if (auto rec = VerifyRecordPayload(env->payload); rec.ok()) {
    what = std::string(BodyTypeName((*rec)->body_type())) + " record from " + a.file;
  }
  auto r = client->Submit(*env);
  if (!r.ok()) return ServerError(r.status(), what);
  if (!a.f.receipt_out.empty()) {
    if (auto e = WriteFileArg("--receipt-out", a.f.receipt_out, r->ToProofText())) return *e;
  }
  return Success(a.f.conn.json ? ReceiptJson(*r) : ReceiptLine(*r, what));
}

}  // namespace

void AddRecordCommands(CLI::App& app) {
  // party
  {
    auto a = std::make_shared<PartyArgs>();
    CLI::App* c = app.add_subcommand("party", "Register a party (signed by an admin or regulator)");
    c->add_option("--id", a->spec.party_id, "party id (USCC for Chinese entities)")->required();
    c->add_option("--name", a->spec.name, "organisation name (no personal data)");
    TakeAll(c->add_option("--role", a->spec.roles,
                          "admin, regulator, certifier, lab or enterprise (repeat)")
                ->required());
    TakeAll(c->add_option("--sector", a->spec.sectors, "sector (repeat)"));
    TakeAll(c->add_option("--licence", a->licences, "KIND:NUMBER[:SCOPE] (repeat)"));
    TakeAll(c->add_option("--public-key", a->keys,
                          "the party's public key: a .pub PEM file or base64 (repeat)"));
    c->add_option("--gln", a->spec.gln, "GS1 global location number");
    c->add_option("--admin-area", a->spec.admin_area, "GB/T 2260 code, e.g. 420700");
    c->add_option("--webhook", a->spec.webhook, "where recall notices are pushed");
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Party(*a); });
  }
  // product
  {
    auto a = std::make_shared<ProductArgs>();
    CLI::App* c =
        app.add_subcommand("product", "Register a product (GTIN, national code or local id)");
    c->add_option("--product", a->spec.product,
                  "gtin:06901234567892, national:..., local:crab-feed")
        ->required();
    c->add_option("--sector", a->spec.sector,
                  "agriculture, building_materials, diamond_tools, pharma")
        ->required();
    c->add_option("--name", a->spec.name, "product name");
    c->add_option("--unit", a->spec.default_unit, "default UNECE unit, e.g. KGM");
    c->add_option("--owner", a->spec.owner, "brand owner / MAH (authorities only)");
    TakeAll(c->add_option("--attr", a->attrs, "key=value or key:int|decimal|bool|time=value"));
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Product(*a); });
  }
  // unit register | apply | emptied | run | store
  {
    CLI::App* unit = app.add_subcommand("unit", "Production units: register one, and its events");
    unit->require_subcommand(1);
    auto a = std::make_shared<UnitArgs>();
    CLI::App* reg =
        unit->add_subcommand("register", "Register a plot, pond, silo, tank, furnace, line...");
    reg->add_option("--unit", a->unit.unit_id, "unit id, unique among yours")->required();
    reg->add_option("--kind", a->unit.kind,
                    "plot, pond, silo, tank, furnace, line, cold_room, other")
        ->required();
    reg->add_option("--site", a->unit.site, "site (GLN, address or admin-area code)");
    reg->add_option("--sector", a->unit.sector, "sector");
    TakeAll(reg->add_option("--attr", a->attrs, "key=value or key:type=value (repeat)"));
    AddRecordFlags(reg, &a->f);
    SetHandler(reg, [a] {
      if (auto e = ParseAttrs("--attr", a->attrs, &a->unit.attributes)) return *e;
      return SubmitSpec(a->f, a->unit, "unit " + a->unit.unit_id + " (" + a->unit.kind + ")");
    });

    auto b = std::make_shared<UnitArgs>();
    CLI::App* apply =
        unit->add_subcommand("apply", "An input lot applied to a unit (feed, pesticide...)");
    apply->add_option("--unit", b->apply.unit, "the unit")->required();
    apply->add_option("--input", b->apply.input, "the lot applied")->required();
    apply->add_option("--quantity", b->apply.quantity, "quantity used, e.g. \"200 KGM\"")
        ->required();
    apply->add_option("--time", b->apply.time, "when it was applied (RFC 3339)")->required();
    apply->add_option("--until", b->apply.end, "optional end of effect");
    TakeAll(apply->add_option("--attr", b->attrs, "dose, method, ... (repeat)"));
    AddRecordFlags(apply, &b->f);
    SetHandler(apply, [b] {
      if (auto e = ParseAttrs("--attr", b->attrs, &b->apply.attributes)) return *e;
      if (auto q = NormalizeQuantity(b->apply.quantity); q.ok()) b->apply.quantity = *q;
      return SubmitSpec(
          b->f, b->apply,
          b->apply.quantity + " of " + b->apply.input + " applied to " + b->apply.unit);
    });

    auto c = std::make_shared<UnitArgs>();
    CLI::App* emptied = unit->add_subcommand("emptied", "The unit was emptied / cleaned");
    emptied->add_option("--unit", c->emptied.unit, "the unit")->required();
    emptied->add_option("--time", c->emptied.time, "when (RFC 3339)")->required();
    AddRecordFlags(emptied, &c->f);
    SetHandler(emptied, [c] {
      return SubmitSpec(c->f, c->emptied, "unit " + c->emptied.unit + " emptied");
    });

    auto d = std::make_shared<UnitArgs>();
    CLI::App* run = unit->add_subcommand("run", "A process run [start, end] on a unit");
    run->add_option("--unit", d->run.unit, "the unit")->required();
    run->add_option("--run", d->run.run_id, "run id");
    run->add_option("--start", d->run.start, "start (RFC 3339)")->required();
    run->add_option("--end", d->run.end, "end (RFC 3339)")->required();
    TakeAll(run->add_option("--attr", d->attrs, "temperature, ... (repeat)"));
    AddRecordFlags(run, &d->f);
    SetHandler(run, [d] {
      if (auto e = ParseAttrs("--attr", d->attrs, &d->run.attributes)) return *e;
      return SubmitSpec(d->f, d->run, "process run " + d->run.run_id + " on " + d->run.unit);
    });

    auto e = std::make_shared<UnitArgs>();
    CLI::App* store = unit->add_subcommand(
        "store", "A lot, or serials / cases of it, held in a unit (cold room) over a time");
    store->add_option("--unit", e->stored.unit, "the unit")->required();
    store->add_option("--lot", e->stored.lot, "the lot stored");
    TakeAll(store->add_option("--serial", e->stored.serials,
                              "a serial or container (case, pallet) put in (repeat)"));
    store->add_option("--start", e->stored.start, "put in (RFC 3339)")->required();
    store->add_option("--end", e->stored.end, "taken out (RFC 3339); omit while it is there");
    TakeAll(store->add_option("--attr", e->attrs, "set point, zone, ... (repeat)"));
    AddRecordFlags(store, &e->f);
    SetHandler(store, [e] {
      if (e->stored.lot.empty() && e->stored.serials.empty()) {
        return UsageError("unit store: name the --lot or at least one --serial");
      }
      if (auto x = ParseAttrs("--attr", e->attrs, &e->stored.attributes)) return *x;
      std::string what = e->stored.lot.empty()
                             ? std::to_string(e->stored.serials.size()) + " serial(s)"
                             : e->stored.lot;
      return SubmitSpec(e->f, e->stored, what + " stored in " + e->stored.unit);
    });
  }
  // lot
  {
    auto a = std::make_shared<LotArgs>();
    CLI::App* c = app.add_subcommand("lot", "Register a lot you made, harvested or packed");
    c->add_option("--lot", a->spec.lot, "scheme:product/lot, e.g. local:crab-feed/F-2406")
        ->required();
    c->add_option("--quantity", a->spec.quantity, "e.g. \"2 TNE\"")->required();
    c->add_option("--produced", a->spec.production_time, "production time (RFC 3339)")->required();
    c->add_option("--expiry", a->spec.expiry_time, "expiry time (RFC 3339)");
    c->add_option("--site", a->spec.site, "site (GLN, address or admin-area code)");
    TakeAll(c->add_option("--input", a->inputs,
                          "LOT=QUANTITY[:kind] consumed into this lot (kind: composed_of, "
                          "merged_into, split_from, ...; repeat)"));
    TakeAll(c->add_option("--from-unit", a->unit_uses,
                          "UNIT@TIME (harvest) or UNIT@START,END (made on it; repeat)"));
    TakeAll(
        c->add_option("--attr", a->attrs, "sector attribute key=value or key:type=value (repeat)"));
    TakeAll(c->add_option("--cert", a->certs, "certificate ID or ID=STANDARD (repeat)"));
    TakeAll(c->add_option("--serial", a->spec.serials, "serial number commissioned (repeat)"));
    c->add_option("--serials-file", a->serials_file, "file of serial numbers, one per line");
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Lot(*a); });
  }
  // ship, receive, consume
  {
    auto a = std::make_shared<MoveArgs>();
    CLI::App* c = app.add_subcommand("ship", "Ship lots to another party");
    c->add_option("--to", a->party, "receiving party")->required();
    c->add_option("--shipment", a->shipment_id, "shipment / despatch note id")->required();
    TakeAll(c->add_option("--item", a->items, "LOT=QUANTITY (repeat)"));
    TakeAll(c->add_option("--serial", a->serials, "serials shipped with the one --item"));
    TakeAll(c->add_option("--container", a->containers, "container shipped whole (repeat)"));
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Ship(*a); });
  }
  {
    auto a = std::make_shared<MoveArgs>();
    CLI::App* c = app.add_subcommand("receive", "Receive a shipment");
    c->add_option("--from", a->party, "sending party")->required();
    c->add_option("--shipment", a->shipment_id, "the shipment id the sender gave")->required();
    TakeAll(c->add_option("--item", a->items, "LOT=QUANTITY received (repeat)")->required());
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Receive(*a); });
  }
  {
    auto a = std::make_shared<MoveArgs>();
    a->kind = "consumed";
    CLI::App* c =
        app.add_subcommand("consume", "Record goods consumed, sold, dispensed or destroyed");
    c->add_option("--kind", a->kind, "consumed, sold, dispensed, destroyed or recovered")
        ->capture_default_str();
    TakeAll(c->add_option("--item", a->items, "LOT=QUANTITY (repeat)")->required());
    TakeAll(c->add_option("--serial", a->serials, "serials of the one --item"));
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Consume(*a); });
  }
  // pack, unpack
  for (const char* action : {"pack", "unpack"}) {
    auto a = std::make_shared<MoveArgs>();
    CLI::App* c = app.add_subcommand(action, std::string(action) == "pack"
                                                 ? "Pack serials or lot quantities into a container"
                                                 : "Unpack serials from a container");
    c->add_option("--parent", a->parent, "container id (SSCC, case code, parent serial)")
        ->required();
    TakeAll(c->add_option("--child", a->children, "child serial or container (repeat)"));
    TakeAll(c->add_option("--child-lot", a->items, "LOT=QUANTITY (repeat)"));
    AddRecordFlags(c, &a->f);
    std::string act = action;
    SetHandler(c, [a, act] { return Aggregate(*a, act); });
  }
  // adjust, lot-status
  {
    auto a = std::make_shared<AdjustArgs>();
    CLI::App* c =
        app.add_subcommand("adjust", "Correct your stock of a lot (weighing loss, shrink)");
    c->add_option("--lot", a->adjust.lot, "the lot")->required();
    c->add_option("--delta", a->adjust.delta, "e.g. \"-3.5 KGM\"")->required();
    c->add_option("--reason", a->adjust.reason, "why")->required();
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] {
      if (auto q = NormalizeQuantity(a->adjust.delta); q.ok()) a->adjust.delta = *q;
      return SubmitSpec(a->f, a->adjust, "adjustment " + a->adjust.delta + " of " + a->adjust.lot);
    });
  }
  {
    auto a = std::make_shared<AdjustArgs>();
    CLI::App* c =
        app.add_subcommand("lot-status", "Quarantine, hold, release, recall or destroy a lot");
    c->add_option("--lot", a->status.lot, "the lot")->required();
    c->add_option("--status", a->status.status,
                  "released, quarantined, on_hold, recalled or destroyed")
        ->required();
    c->add_option("--reason", a->status.reason, "why");
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] {
      return SubmitSpec(a->f, a->status, "lot " + a->status.lot + " " + a->status.status);
    });
  }
  // correct
  {
    auto a = std::make_shared<CorrectArgs>();
    CLI::App* c =
        app.add_subcommand("correct", "Declare records erroneous (EPCIS error declaration)");
    TakeAll(c->add_option("--record", a->corrected, "record id declared erroneous (repeat)")
                ->required());
    TakeAll(c->add_option("--corrective", a->corrective, "record id of a correction (repeat)"));
    c->add_option("--reason", a->reason, "CBV error reason, e.g. incorrect_data")->required();
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Correct(*a); });
  }
  // cert issue | status
  {
    CLI::App* cert = app.add_subcommand("cert", "Certificates, licences and reports");
    cert->require_subcommand(1);
    auto a = std::make_shared<CertArgs>();
    CLI::App* issue = cert->add_subcommand("issue", "Issue a certificate (you are the issuer)");
    issue->add_option("--id", a->cert.cert_id, "certificate number")->required();
    issue
        ->add_option("--kind", a->cert.kind,
                     "organic, commitment, sc_licence, rotation_test, strength_report, ...")
        ->required();
    issue->add_option("--standard", a->cert.standard, "e.g. GB/T 19630, EN 13236, GB 175-2023");
    issue->add_option("--subject-party", a->cert.subject_party, "certified party");
    issue->add_option("--subject-product", a->cert.subject_product,
                      "certified product (scheme:id)");
    issue->add_option("--subject-lot", a->cert.subject_lot, "certified lot");
    issue->add_option("--subject-unit", a->cert.subject_unit, "certified unit");
    issue->add_option("--scope", a->cert.scope, "scope");
    issue->add_option("--valid-from", a->cert.valid_from, "RFC 3339")->required();
    issue->add_option("--valid-to", a->cert.valid_to, "RFC 3339 (default: open-ended)");
    TakeAll(issue->add_option("--attr", a->attrs, "key=value or key:type=value (repeat)"));
    AddRecordFlags(issue, &a->f);
    SetHandler(issue, [a] {
      if (auto e = ParseAttrs("--attr", a->attrs, &a->cert.attributes)) return *e;
      std::string subject = !a->cert.subject_lot.empty()       ? a->cert.subject_lot
                            : !a->cert.subject_product.empty() ? a->cert.subject_product
                            : !a->cert.subject_unit.empty()    ? a->cert.subject_unit
                                                               : a->cert.subject_party;
      return SubmitSpec(a->f, a->cert,
                        a->cert.kind + " certificate " + a->cert.cert_id + " for " + subject);
    });

    auto b = std::make_shared<CertArgs>();
    CLI::App* status =
        cert->add_subcommand("status", "Suspend, revoke, cancel or reinstate a certificate");
    status->add_option("--id", b->status.cert_id, "certificate number")->required();
    status
        ->add_option("--status", b->status.status,
                     "valid, suspended, revoked, cancelled or reinstated")
        ->required();
    status->add_option("--effective", b->status.effective, "RFC 3339")->required();
    status->add_option("--reason", b->status.reason, "why");
    AddRecordFlags(status, &b->f);
    SetHandler(status, [b] {
      return SubmitSpec(b->f, b->status,
                        "certificate " + b->status.cert_id + " " + b->status.status);
    });
  }
  // inspect
  {
    auto a = std::make_shared<InspectArgs>();
    CLI::App* c = app.add_subcommand("inspect", "Post a spot check or lab result on a lot");
    c->add_option("--id", a->spec.inspection_id, "inspection id")->required();
    c->add_option("--kind", a->spec.kind, "spot_check, lab_test, strength_28d, rotation_test")
        ->required();
    c->add_option("--lot", a->spec.lot, "the sampled lot")->required();
    c->add_option("--sample", a->spec.sample_id, "sample id");
    TakeAll(c->add_option("--item", a->items,
                          "NAME=VALUE[ UNIT][;min=X][;max=Y][;pass|fail] (repeat)"));
    c->add_option("--result", a->spec.result, "pass or fail (default: from the items)");
    c->add_option("--report", a->spec.report_no, "report number");
    c->add_option("--accreditation", a->spec.accreditation, "the lab's CMA/CNAS number");
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] { return Inspect(*a); });
  }
  // params
  {
    auto a = std::make_shared<ParamsArgs>();
    CLI::App* c = app.add_subcommand("params", "Publish a sector's rule parameters (regulators)");
    c->add_option("--sector", a->spec.sector, "sector")->required();
    c->add_option("--set-id", a->spec.set_id, "version label of this set")->required();
    TakeAll(c->add_option("--param", a->params, "key:type=value (repeat)"));
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] {
      if (auto e = ParseAttrs("--param", a->params, &a->spec.params)) return *e;
      return SubmitSpec(a->f, a->spec,
                        "rule parameters " + a->spec.set_id + " for " + a->spec.sector);
    });
  }
  // submit
  {
    auto a = std::make_shared<SubmitArgs>();
    CLI::App* c = app.add_subcommand(
        "submit",
        "Submit any record: a readable JSON record (signed with --key) or a signed "
        "envelope (JSON or flatbuffer, e.g. from `qtrace sign`)");
    c->add_option("file", a->file, "the record or envelope file")->required();
    AddConnectionFlags(c, &a->f.conn, KeyUse::kOptional);
    c->add_option("--receipt-out", a->f.receipt_out, "write the receipt to this file");
    SetHandler(c, [a] { return SubmitFile(*a); });
  }
}

}  // namespace qtrace::cli
