// `qtrace recall ...`: order, acknowledge, report progress, widen, review and
// close recalls, and read them: show (scope, per-party progress,
// effectiveness), list, overdue, scope (CSV), notices (the caller's inbox)
// and traceback (the upstream lots failed lots share).
//
//   qtrace recall order --id R-2026-001 --sector agriculture --level 1
//       --responsible ezhou-aquatic --input-lot local:crab-feed/F-2406
//       --hazard "enrofloxacin residue" --key regulator.key
//   qtrace recall ack --id R-2026-001 --key super-a.key
//   qtrace recall progress --id R-2026-001
//       --item "gtin:06901234567892/RB-04,recovered=380 KGM,consumed=20 KGM"
//   qtrace recall show R-2026-001
//
// Writes go through the SDK's record specs (qtrace/record_builder.h) like
// every other record command; reads through the SDK's typed recall calls.
#include <memory>

#include "client_flags.h"
#include "output.h"

namespace qtrace::cli {
namespace {

// The seed flags shared by `order` and `widen`.
struct SeedFlags {
  std::vector<std::string> lots, serials, input_lots, product_windows, unit_windows;
};

void AddSeedFlags(CLI::App* c, SeedFlags* s) {
  auto take_all = [](CLI::Option* o) { o->take_all()->allow_extra_args(false); };
  take_all(c->add_option("--lot", s->lots, "a recalled lot (repeat)"));
  take_all(c->add_option("--serial", s->serials, "a recalled serial / pack code (repeat)"));
  take_all(c->add_option("--input-lot", s->input_lots,
                         "every output whose lineage contains this lot (repeat)"));
  take_all(c->add_option("--product-window", s->product_windows,
                         "PRODUCT[@SITE],FROM,TO[,KEY=VALUE...][,certificate=ID]: lots made in "
                         "the window, narrowed to those carrying the attributes (KEY:int=, "
                         ":decimal=, :bool=, :time= for typed values) or citing the "
                         "certificate (repeat)"));
  take_all(c->add_option("--unit-window", s->unit_windows,
                         "OWNER/UNIT,START,END: what a unit made in the window (repeat)"));
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::optional<CommandResult> ParseSeed(const SeedFlags& f, RecallSeedSpec* seed) {
  seed->lots = f.lots;
  seed->serials = f.serials;
  seed->input_lots = f.input_lots;
  for (const auto& w : f.product_windows) {
    auto parts = SplitCommas(w);
    if (parts.size() < 3) {
      return UsageError("--product-window: expected PRODUCT[@SITE],FROM,TO[,KEY=VALUE...], got '" +
                        w + "'");
    }
    ProductWindowSpec p;
    for (size_t i = 3; i < parts.size(); ++i) {
      constexpr std::string_view kCert = "certificate=";
      if (parts[i].starts_with(kCert)) {
        p.certificate = parts[i].substr(kCert.size());
        continue;
      }
      auto a = Attribute::Parse(parts[i]);
      if (!a.ok()) return UsageError("--product-window: " + a.status().message());
      p.attributes.push_back(std::move(a).value());
    }
    p.product = parts[0];
    if (auto at = p.product.find('@'); at != std::string::npos) {
      p.site = p.product.substr(at + 1);
      p.product.resize(at);
    }
    p.from = parts[1];
    p.to = parts[2];
    seed->product_windows.push_back(std::move(p));
  }
  for (const auto& w : f.unit_windows) {
    auto parts = SplitCommas(w);
    auto slash = parts[0].find('/');
    if (parts.size() != 3 || slash == std::string::npos) {
      return UsageError("--unit-window: expected OWNER/UNIT,START,END, got '" + w + "'");
    }
    seed->unit_windows.push_back(
        {parts[0].substr(0, slash), parts[0].substr(slash + 1), parts[1], parts[2]});
  }
  if (seed->empty()) {
    return UsageError("name what is recalled: --lot, --serial, --input-lot, --product-window or "
                      "--unit-window");
  }
  return std::nullopt;
}

// "LOT,recovered=40 KGM,destroyed=10 KGM,consumed=...,corrected=..."
std::optional<CommandResult> ParseProgressItem(const std::string& text,
                                               RecallProgressItemSpec* item) {
  auto parts = SplitCommas(text);
  item->lot = parts[0];
  if (item->lot.empty()) return UsageError("--item: the lot comes first, got '" + text + "'");
  for (size_t i = 1; i < parts.size(); ++i) {
    auto eq = parts[i].find('=');
    std::string key = parts[i].substr(0, eq);
    std::string value = eq == std::string::npos ? "" : parts[i].substr(eq + 1);
    std::string* field = key == "recovered"   ? &item->recovered
                         : key == "destroyed" ? &item->destroyed
                         : key == "consumed"  ? &item->consumed
                         : key == "corrected" ? &item->corrected
                                              : nullptr;
    if (field == nullptr || value.empty()) {
      return UsageError("--item: expected recovered=, destroyed=, consumed= or corrected= with a "
                        "quantity, got '" + parts[i] + "'");
    }
    *field = value;
  }
  if (parts.size() == 1) {
    return UsageError("--item '" + text + "' says nothing was recovered, destroyed, consumed or "
                      "corrected");
  }
  return std::nullopt;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string Percent(double share) {
  return std::to_string(static_cast<int>(share * 100 + 0.5)) + "%";
}

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string RecallText(const RecallView& r) {
  std::string out = KeyValues({{"recall", r.recall_id},
                               {"sector / level", r.sector + " / level " + r.level},
                               {"state", r.state},
                               {"hazard", OrDash(r.hazard)},
                               {"reason", OrDash(r.reason)},
                               {"responsible", r.responsible},
                               {"ordered by", r.ordered_by},
                               {"depth", r.depth},
                               {"decided", r.decided_at},
                               {"scope", std::to_string(r.scope_lots.size()) + " lots as of log index " +
                                             std::to_string(r.scope_as_of) + " (digest " +
                                             r.scope_digest.substr(0, 16) + "...)"}});
  if (!r.parties.empty()) {
    Table t({"party", "notified", "ack due", "acknowledged", "on time", "overdue"});
    for (const auto& p : r.parties) {
      if (p.for_information) {
        t.Add({p.party + " (for information)", p.notified ? p.notified_at : "no", "-", "-", "-",
               OrDash(Join(p.overdue))});
        continue;
      }
      t.Add({p.party, p.notified ? p.notified_at : "no", OrDash(p.ack_due),
             p.acknowledged ? p.acknowledged_at : "no",
             p.acknowledged ? (p.on_time ? "yes" : "late") : "-", OrDash(Join(p.overdue))});
    }
    out += "\nparties\n" + t.Render(2);
  }
  if (!r.deadlines.empty()) {
    Table t({"milestone", "owed by", "due", "met", "missed"});
    for (const auto& d : r.deadlines) {
      t.Add({d.what, d.party, d.due.empty() ? "(not yet due)" : d.due, OrDash(d.met_at),
             d.missed ? "MISSED" : "-"});
    }
    out += "\nmilestones\n" + t.Render(2);
  }
  if (!r.holders.empty()) {
    Table t({"holder", "lot", "distributed", "recovered", "destroyed", "consumed", "corrected",
             "unaccounted"});
    for (const auto& h : r.holders) {
      t.Add({h.party, h.lot, h.distributed, OrDash(h.recovered), OrDash(h.destroyed),
             OrDash(h.consumed), OrDash(h.corrected), h.unaccounted});
    }
    out += "\neffectiveness\n" + t.Render(2);
  }
  out += "\n" + KeyValues({{"accounted for", Percent(r.accounted_share) + " of the distributed quantity"},
                           {"acknowledged", std::to_string(r.acknowledged) + " of " +
                                                std::to_string(r.notified_parties) +
                                                " notified parties (" +
                                                Percent(r.acknowledged_share) + ")"},
                           {"on time", std::to_string(r.acknowledged_on_time) + " (" +
                                           Percent(r.on_time_share) + ")"}});
  return out;
}

struct ReadArgs {
  ConnectionFlags conn;
  std::string id;
  bool all = false, csv = false, recompute = false;
  std::string cursor;
  uint32_t limit = 100;
  std::vector<std::string> lots;
};

template <typename Handler>
void AddRead(CLI::App* parent, const char* name, const char* help, Handler h,
             std::function<void(CLI::App*, ReadArgs*)> flags = {}) {
  auto a = std::make_shared<ReadArgs>();
  CLI::App* c = parent->add_subcommand(name, help);
  if (flags) flags(c, a.get());
  AddConnectionFlags(c, &a->conn, KeyUse::kRequired);
  SetHandler(c, [a, h]() -> CommandResult {
    std::unique_ptr<Client> client;
    if (auto e = MakeClient(a->conn, KeyUse::kRequired, &client)) return *e;
    return h(*a, *client);
  });
}

std::string SummaryTable(const std::vector<RecallSummary>& list, bool overdue) {
  if (list.empty()) return overdue ? "no overdue recalls\n" : "no recalls\n";
  if (overdue) {
    Table t({"recall", "level", "party", "overdue", "was due"});
    for (const auto& r : list) {
      for (const auto& o : r.overdue) t.Add({r.recall_id, r.level, o.party, o.what, o.due});
    }
    return t.Render();
  }
  Table t({"recall", "sector", "level", "state", "responsible", "decided", "lots", "parties"});
  for (const auto& r : list) {
    t.Add({r.recall_id, r.sector, r.level, r.state, r.responsible, r.decided_at,
           std::to_string(r.lots), std::to_string(r.parties)});
  }
  return t.Render();
}

}  // namespace

void AddRecallCommands(CLI::App& app) {
  CLI::App* recall = app.add_subcommand("recall", "Order, run and follow recalls");
  recall->require_subcommand(1);

  // ---- writes -----------------------------------------------------------------------
  {
    struct Args {
      RecordFlags f;
      RecallOrderSpec spec;
      SeedFlags seed;
    };
    auto a = std::make_shared<Args>();
    CLI::App* c = recall->add_subcommand(
        "order", "Order a recall (regulators), or start one for your own lots (enterprises)");
    c->add_option("--id", a->spec.recall_id, "recall id, unique")->required();
    c->add_option("--sector", a->spec.sector, "whose levels and deadlines apply")->required();
    c->add_option("--level", a->spec.level, "recall level as the sector names it (1, 2, 3...)")
        ->required();
    c->add_option("--responsible", a->spec.responsible,
                  "the party that runs the recall (producer, MAH)")
        ->required();
    c->add_option("--hazard", a->spec.hazard, "the hazard, in a sentence");
    c->add_option("--reason", a->spec.reason, "why (inspection report, complaint...)");
    c->add_option("--depth", a->spec.depth, "wholesale, retail or consumer (default consumer)");
    c->add_option("--risk-known-at", a->spec.risk_known_at,
                  "when the risk became known, RFC 3339 (deadlines start here)");
    c->add_flag("--public", a->spec.public_notice, "a public notice is issued");
    AddSeedFlags(c, &a->seed);
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a]() -> CommandResult {
      if (auto e = ParseSeed(a->seed, &a->spec.seed)) return *e;
      return SubmitSpec(a->f, a->spec,
                        "order of recall " + a->spec.recall_id + " (level " + a->spec.level + ")");
    });
  }
  {
    struct Args {
      RecordFlags f;
      RecallAckSpec spec;
    };
    auto a = std::make_shared<Args>();
    CLI::App* c = recall->add_subcommand("ack", "Acknowledge a recall notice");
    c->add_option("--id", a->spec.recall_id, "recall id")->required();
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] {
      return SubmitSpec(a->f, a->spec, "acknowledgement of recall " + a->spec.recall_id);
    });
  }
  {
    struct Args {
      RecordFlags f;
      RecallProgressSpec spec;
      std::vector<std::string> items;
    };
    auto a = std::make_shared<Args>();
    CLI::App* c = recall->add_subcommand(
        "progress", "Report what you recovered, destroyed, ... (cumulative per lot)");
    c->add_option("--id", a->spec.recall_id, "recall id")->required();
    c->add_option("--item", a->items,
                  "LOT,recovered=Q,destroyed=Q,consumed=Q,corrected=Q (repeat; any subset)")
        ->take_all()
        ->allow_extra_args(false)
        ->required();
    c->add_option("--evidence", a->spec.evidence, "disposal certificate, photo... (repeat)")
        ->take_all()
        ->allow_extra_args(false);
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a]() -> CommandResult {
      a->spec.items.clear();
      for (const auto& text : a->items) {
        RecallProgressItemSpec item;
        if (auto e = ParseProgressItem(text, &item)) return *e;
        a->spec.items.push_back(std::move(item));
      }
      return SubmitSpec(a->f, a->spec,
                        "progress on recall " + a->spec.recall_id + " (" +
                            std::to_string(a->spec.items.size()) + " lot(s))");
    });
  }
  {
    auto a = std::make_shared<std::pair<RecordFlags, RecallProgressSpec>>();
    CLI::App* c = recall->add_subcommand(
        "file-plan", "File the recall plan / evaluation report with the regulator (responsible party)");
    c->add_option("--id", a->second.recall_id, "recall id")->required();
    c->add_option("--evidence", a->second.evidence, "the plan's documents (repeat)")
        ->take_all()
        ->allow_extra_args(false)
        ->required();
    AddRecordFlags(c, &a->first);
    SetHandler(c, [a]() -> CommandResult {
      a->second.report = "plan";
      return SubmitSpec(a->first, a->second, "recall plan for " + a->second.recall_id);
    });
  }
  {
    struct Args {
      RecordFlags f;
      RecallWidenSpec spec;
      SeedFlags seed;
    };
    auto a = std::make_shared<Args>();
    CLI::App* c = recall->add_subcommand("widen", "Widen a recall (regulators): more seeds");
    c->add_option("--id", a->spec.recall_id, "recall id")->required();
    c->add_option("--reason", a->spec.reason, "why");
    AddSeedFlags(c, &a->seed);
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a]() -> CommandResult {
      if (auto e = ParseSeed(a->seed, &a->spec.seed)) return *e;
      return SubmitSpec(a->f, a->spec, "widening of recall " + a->spec.recall_id);
    });
  }
  // Workflow steps: one command per common step, and `transition` for any.
  struct Step {
    const char* name;
    const char* to;
    const char* help;
  };
  for (const Step& step :
       {Step{"complete", "completed_by_firm", "Report the recall completed (responsible party)"},
        Step{"review", "under_review", "Start the regulator's review"},
        Step{"close", "closed", "Close the recall (regulators)"},
        Step{"transition", "", "Any workflow step: --to STATE"}}) {
    struct Args {
      RecordFlags f;
      RecallTransitionSpec spec;
    };
    auto a = std::make_shared<Args>();
    a->spec.to = step.to;
    CLI::App* c = recall->add_subcommand(step.name, step.help);
    c->add_option("--id", a->spec.recall_id, "recall id")->required();
    if (a->spec.to.empty()) {
      c->add_option("--to", a->spec.to,
                    "notifying, in_progress, in_situ_assessment, completed_by_firm, "
                    "under_review, expanded, closed, no_recall")
          ->required();
    }
    c->add_option("--reason", a->spec.reason, "why");
    c->add_option("--outcome", a->spec.outcome, "e.g. accepted_as_is, reinforced, replaced");
    c->add_option("--evidence", a->spec.evidence, "evidence reference (repeat)")
        ->take_all()
        ->allow_extra_args(false);
    AddRecordFlags(c, &a->f);
    SetHandler(c, [a] {
      return SubmitSpec(a->f, a->spec, "recall " + a->spec.recall_id + " -> " + a->spec.to);
    });
  }

  // ---- reads ----------------------------------------------------------------------------
  auto id_arg = [](CLI::App* c, ReadArgs* a) {
    c->add_option("id", a->id, "recall id")->required();
  };
  AddRead(
      recall, "show", "A recall: scope, parties, effectiveness",
      [](ReadArgs& a, Client& c) -> CommandResult {
        auto r = c.GetRecall(a.id);
        if (!r.ok()) return ServerError(r.status(), "recall " + a.id);
        return Success(a.conn.json ? r->json + "\n" : RecallText(*r));
      },
      id_arg);
  AddRead(
      recall, "list", "Open recalls you can see (--all: closed ones too)",
      [](ReadArgs& a, Client& c) -> CommandResult {
        auto r = c.ListRecalls(a.all);
        if (!r.ok()) return ServerError(r.status(), "recalls");
        if (a.conn.json) {
          std::string out = "[";
          for (size_t i = 0; i < r->size(); ++i) {
            out += (i ? "," : "") + std::string("\"") + (*r)[i].recall_id + "\"";
          }
          return Success(out + "]\n");
        }
        return Success(SummaryTable(*r, false));
      },
      [](CLI::App* c, ReadArgs* a) { c->add_flag("--all", a->all, "include closed recalls"); });
  AddRead(recall, "overdue", "Missed deadlines of open recalls",
          [](ReadArgs& a, Client& c) -> CommandResult {
            auto r = c.ListOverdueRecalls();
            if (!r.ok()) return ServerError(r.status(), "overdue recalls");
            size_t n = 0;
            for (const auto& x : *r) n += x.overdue.size();
            if (a.conn.json) return Success("{\"overdue\":" + std::to_string(n) + "}\n");
            return Success(SummaryTable(*r, true));
          });
  AddRead(recall, "candidates",
          "Certificates no longer in force that lots made afterwards still cite (regulators)",
          [](ReadArgs& a, Client& c) -> CommandResult {
            auto r = c.RecallCandidates();
            if (!r.ok()) return ServerError(r.status(), "recall candidates");
            if (a.conn.json) {
              size_t n = 0;
              for (const auto& x : *r) n += x.lots.size();
              return Success("{\"certificates\":" + std::to_string(r->size()) +
                             ",\"lots\":" + std::to_string(n) + "}\n");
            }
            if (r->empty()) return Success("no recall candidates\n");
            Table t({"certificate", "kind", "status", "since", "lot", "produced", "held by"});
            for (const auto& x : *r) {
              for (const auto& l : x.lots) {
                t.Add({x.certificate, x.kind, x.status, x.since, l.lot, l.produced,
                       OrDash(Join(l.holders))});
              }
            }
            return Success(t.Render());
          });
  AddRead(
      recall, "scope", "The scope as CSV (one row per lot and holder), or --recompute it",
      [](ReadArgs& a, Client& c) -> CommandResult {
        if (a.recompute) {
          auto r = c.RecomputeRecallScope(a.id);
          if (!r.ok()) return ServerError(r.status(), "recomputing recall " + a.id);
          return Success(*r + "\n");
        }
        auto r = c.RecallScopeCsv(a.id);
        if (!r.ok()) return ServerError(r.status(), "scope of recall " + a.id);
        return Success(*r);
      },
      [id_arg](CLI::App* c, ReadArgs* a) {
        id_arg(c, a);
        c->add_flag("--recompute", a->recompute,
                    "recompute as of the scope's log index and compare digests");
      });
  AddRead(
      recall, "notices", "Your inbox of recall notices",
      [](ReadArgs& a, Client& c) -> CommandResult {
        auto r = c.Notices(a.cursor, a.limit);
        if (!r.ok()) return ServerError(r.status(), "notices");
        if (a.conn.json) {
          std::string out = "{\"notices\":[";
          for (size_t i = 0; i < r->notices.size(); ++i) {
            const auto& n = r->notices[i];
            out += (i ? "," : "") + std::string("{\"recall_id\":\"") + n.recall_id +
                   "\",\"acknowledged\":" + (n.acknowledged ? "true" : "false") + "}";
          }
          return Success(out + "],\"next_cursor\":\"" + r->next_cursor + "\"}\n");
        }
        if (r->notices.empty()) return Success("no recall notices\n");
        Table t({"recall", "level", "hazard", "lot", "held", "ack due", "acknowledged"});
        for (const auto& n : r->notices) {
          for (const auto& l : n.lots) {
            t.Add({n.recall_id, n.level, OrDash(n.hazard), l.lot, l.held, OrDash(n.ack_due),
                   n.acknowledged ? "yes" : "NO"});
          }
        }
        std::string out = t.Render();
        if (!r->next_cursor.empty()) out += "more: --cursor " + r->next_cursor + "\n";
        return Success(out);
      },
      [](CLI::App* c, ReadArgs* a) {
        c->add_option("--cursor", a->cursor, "from the previous page");
        c->add_option("--limit", a->limit, "notices per page (default 100)");
      });
  AddRead(
      recall, "traceback", "Upstream lots that failed lots share, ranked (regulators)",
      [](ReadArgs& a, Client& c) -> CommandResult {
        auto r = c.TraceBack(a.lots);
        if (!r.ok()) return ServerError(r.status(), "trace-back");
        if (a.conn.json) return Success(r->json + "\n");
        Table t({"rank", "upstream lot", "producer", "explains", "depth"});
        size_t rank = 0;
        for (const auto& x : r->candidates) {
          t.Add({std::to_string(++rank), x.lot, x.producer,
                 std::to_string(x.explains) + " of " + std::to_string(r->failed_lots) + " (" +
                     Percent(x.share) + ")",
                 std::to_string(x.nearest_depth)});
        }
        return Success(t.Render());
      },
      [](CLI::App* c, ReadArgs* a) {
        c->add_option("lots", a->lots, "the lots that failed inspection (or complaints)")
            ->required();
      });
}

}  // namespace qtrace::cli
