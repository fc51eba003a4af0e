// Lsp.cpp: `zy lsp`, the Language Server Protocol on standard input and output.
//
// JSON-RPC 2.0 messages framed by `Content-Length` headers (nlohmann/json parses them).
// Each open document is re-analysed on every change: parsed (syntax errors), then
// tooling::analyze (names, module members, arity); when it finds nothing, the
// whole-program check of `zy run` (interp/Check.h: shapes, dtypes, param paths) runs on
// the text as typed, for at most a second; the errors are published. Hover,
// definition and completion read the last analysis that parsed, so they keep working while
// the text is half typed; formatting is compiler/syntax/Formatter.h. Positions are UTF-16
// code units, as the protocol's default. Nothing a client sends can stop the server: a
// malformed message is answered with a JSON-RPC error, and every handler's exceptions
// become one.
#include "tools/zy/Lsp.h"

#include "interp/Check.h"
#include "interp/Interpreter.h"
#include "interp/Stdlib.h"
#include "syntax/Formatter.h"
#include "syntax/Parser.h"
#include "tooling/Analysis.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace zy::driver {

namespace {

// ---------------------------------------------------------------- framing

/// One message's body, or nothing at the end of the input.
std::optional<std::string> readMessage(std::istream &in) {
  size_t length = 0;
  bool sawLength = false;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!sawLength) continue; // a stray blank line between messages
      std::string body(length, '\0');
      in.read(body.data(), static_cast<std::streamsize>(length));
      if (static_cast<size_t>(in.gcount()) != length) return std::nullopt;
      return body;
    }
    const std::string key = "content-length:";
    std::string lower;
    for (char c : line.substr(0, key.size())) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == key) {
      length = std::strtoull(line.c_str() + key.size(), nullptr, 10);
      sawLength = length <= (size_t(1) << 30);
    }
  }
  return std::nullopt;
}

void writeMessage(const json &message) {
  std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
  std::cout << "Content-Length: " << body.size() << "\r\n\r\n" << body << std::flush;
}

// ---------------------------------------------------------------- positions and URIs

/// The byte offset of LSP position (line, UTF-16 character) in `text` (clamped).
uint32_t offsetOf(const std::string &text, int64_t line, int64_t character) {
  size_t at = 0;
  for (int64_t l = 0; l < line && at < text.size(); ++l) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) return static_cast<uint32_t>(text.size());
    at = nl + 1;
  }
  for (int64_t units = 0; units < character && at < text.size() && text[at] != '\n';) {
    unsigned char c = static_cast<unsigned char>(text[at]);
    size_t bytes = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    units += bytes == 4 ? 2 : 1;
    at += bytes;
  }
  return static_cast<uint32_t>(std::min(at, text.size()));
}

json positionOf(const std::string &text, uint32_t offset) {
  int64_t line = 0, character = 0;
  for (size_t i = 0; i < offset && i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      character = 0;
      ++i;
      continue;
    }
    size_t bytes = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    character += bytes == 4 ? 2 : 1;
    i += bytes;
  }
  return {{"line", line}, {"character", character}};
}

json rangeOf(const Span &span) {
  const std::string &text = span.file->text();
  return {{"start", positionOf(text, span.begin)}, {"end", positionOf(text, std::max(span.end, span.begin))}};
}

/// Where a diagnostic goes that has no place in this file (one in an imported file).
json fileStart() { return {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}}; }

std::string pathOfUri(const std::string &uri) {
  std::string path = uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri;
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size()) {
      out += static_cast<char>(std::strtol(path.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::string uriOfPath(const std::string &path) {
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::strchr("/-_.~", c)) out += static_cast<char>(c);
    else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// ---------------------------------------------------------------- the server

struct Parsed {
  std::unique_ptr<SourceFile> source;
  std::unique_ptr<ast::Module> module;
  tooling::Analysis analysis;
  /// The types the check saw each name of this text bound to, by the name's offset
  /// (a parameter takes one per signature it was called with).
  std::map<uint32_t, std::vector<std::string>> types;
  /// For a name bound to a record (a config, a params tree): its fields and their types.
  std::map<uint32_t, std::map<std::string, std::string>> fields;
};

/// At most this many types are kept per name, each at most this long.
constexpr size_t MaxTypesShown = 4, MaxTypeLength = 160;

struct Document {
  std::string text;
  std::unique_ptr<Parsed> good; // the last version that parsed
};

/// The whole-program check (interp/Check.h) gets this long per version of a file; what
/// it has not reached by then is left unreported.
constexpr double CheckSeconds = 1.0;

class Server {
public:
  Server() : Library(Interp) {}

  /// Handles one message; false after `exit`.
  bool handle(const json &message) {
    // A method that is not a string is no method this server has (value() would throw).
    std::string method = message.contains("method") && message["method"].is_string() ? message["method"].get<std::string>() : "";
    bool request = message.contains("id");
    json id = request ? message["id"] : json();
    try {
      json params = message.value("params", json::object());
      if (method == "initialize") reply(id, initialize());
      else if (method == "initialized") {}
      else if (method == "shutdown") {
        ShutDown = true;
        reply(id, nullptr);
      } else if (method == "exit") {
        ExitStatus = ShutDown ? 0 : 1;
        return false;
      } else if (method == "textDocument/didOpen") {
        const json &doc = params.at("textDocument");
        Documents[doc.at("uri").get<std::string>()].text = doc.at("text").get<std::string>();
        analyze(doc.at("uri").get<std::string>());
      } else if (method == "textDocument/didChange") {
        std::string uri = params.at("textDocument").at("uri").get<std::string>();
        Document &d = Documents[uri];
        for (const json &change : params.at("contentChanges")) {
          if (!change.contains("range")) {
            d.text = change.at("text").get<std::string>();
            continue;
          }
          const json &r = change.at("range");
          uint32_t begin = offsetOf(d.text, r.at("start").at("line"), r.at("start").at("character"));
          uint32_t end = offsetOf(d.text, r.at("end").at("line"), r.at("end").at("character"));
          if (end < begin) std::swap(begin, end);
          d.text.replace(begin, end - begin, change.at("text").get<std::string>());
        }
        analyze(uri);
      } else if (method == "textDocument/didClose") {
        std::string uri = params.at("textDocument").at("uri").get<std::string>();
        Documents.erase(uri);
        publish(uri, json::array());
      } else if (method == "textDocument/hover") reply(id, hover(params));
      else if (method == "textDocument/definition") reply(id, definition(params));
      else if (method == "textDocument/completion") reply(id, completion(params));
      else if (method == "textDocument/formatting") reply(id, formatting(params));
      else if (request) fail(id, -32601, "zy lsp does not handle `" + method + "`");
    } catch (const std::exception &e) {
      if (request) fail(id, -32602, std::string("zy lsp could not handle `") + method + "`: " + e.what());
    }
    return true;
  }

  int exitStatus() const { return ExitStatus; }

private:
  interp::Interpreter Interp;
  tooling::Library Library;
  std::map<std::string, Document> Documents;
  // Imported files, parsed once per path (their spans must outlive every analysis).
  std::map<std::string, std::pair<std::unique_ptr<SourceFile>, std::unique_ptr<ast::Module>>> Imported;
  bool ShutDown = false;
  int ExitStatus = 1;

  static void reply(const json &id, const json &result) { writeMessage({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}); }
  static void fail(const json &id, int code, const std::string &message) {
    writeMessage({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }

  static json initialize() {
    return {{"capabilities",
             {{"textDocumentSync", {{"openClose", true}, {"change", 2}}},
              {"hoverProvider", true},
              {"definitionProvider", true},
              {"completionProvider", {{"triggerCharacters", {"."}}}},
              {"documentFormattingProvider", true}}},
            {"serverInfo", {{"name", "zy"}, {"version", ZY_VERSION}}}};
  }

  const ast::Module *import(const std::string &from, const std::string &path) {
    fs::path full = fs::weakly_canonical(fs::path(from).parent_path() / path);
    auto &entry = Imported[full.string()];
    if (!entry.first) {
      std::string error;
      entry.first = SourceFile::load(full.string(), error);
      if (!entry.first) return nullptr;
      Diagnostics ignored;
      entry.second = parseModule(*entry.first, ignored);
    }
    return entry.second.get();
  }

  void analyze(const std::string &uri) {
    Document &d = Documents[uri];
    std::string path = pathOfUri(uri);
    auto parsed = std::make_unique<Parsed>();
    parsed->source = std::make_unique<SourceFile>(path, d.text);
    Diagnostics diags;
    parsed->module = parseModule(*parsed->source, diags);
    std::vector<Diagnostic> problems = diags.all();
    if (parsed->module) {
      parsed->analysis = tooling::analyze(*parsed->module, Library, [&](const std::string &p) { return import(path, p); });
      problems.insert(problems.end(), parsed->analysis.problems.begin(), parsed->analysis.problems.end());
    }
    json list = json::array();
    for (const Diagnostic &p : problems) {
      json item = {{"severity", p.severity == Severity::Error ? 1 : p.severity == Severity::Warning ? 2 : 3},
                   {"source", "zy"},
                   {"message", p.message}};
      item["range"] = p.span.valid() && p.span.file == parsed->source.get()
                          ? rangeOf(p.span)
                          : fileStart();
      list.push_back(item);
    }
    // Only a file the analysis finds no mistake in is checked: its mistakes come first.
    if (problems.empty())
      if (std::optional<json> error = check(path, d.text, *parsed)) list.push_back(*error);
    publish(uri, list);
    if (parsed->module) d.good = std::move(parsed);
  }

  /// The whole-program check of `zy run` (interp/Check.h: shapes, dtypes, param paths)
  /// on the text as typed, as a diagnostic, if it finds an error.
  /// Fills `parsed`'s types and fields with what each name of the file was bound to.
  static std::optional<json> check(const std::string &path, const std::string &text, Parsed &parsed) {
    interp::Interpreter checker;
    checker.unsavedFiles[path] = text;
    checker.argsUnknown = true; // an editor runs nothing: the arguments come with the run
    auto shown = [](const interp::Value &v) {
      std::string type = interp::describeType(v);
      return type.size() > MaxTypeLength ? type.substr(0, MaxTypeLength - 3) + "..." : type;
    };
    checker.onBind = [&](Span span, const interp::Value &v) {
      if (!span.valid() || span.file->name() != path || v.kind == interp::ValueKind::Unknown) return;
      if (v.kind == interp::ValueKind::Record)
        for (const auto &[name, field] : v.record->fields) parsed.fields[span.begin].emplace(name, shown(field));
      std::vector<std::string> &seen = parsed.types[span.begin];
      if (seen.size() > MaxTypesShown) return; // one more than shown: there are more
      std::string type = shown(v);
      if (std::find(seen.begin(), seen.end(), type) == seen.end()) seen.push_back(type);
    };
    std::optional<Diagnostic> error = interp::checkProgram(checker, path, /*tests=*/true, CheckSeconds);
    if (!error) return std::nullopt;
    json item = {{"severity", 1}, {"source", "zy check"}, {"message", error->message}};
    // An error in an imported file is shown at this file's start (the check reports the
    // standard library's at the user's call into it). The span's file is the checker's.
    item["range"] = error->span.valid() && error->span.file->name() == path
                        ? rangeOf(error->span)
                        : fileStart();
    return item;
  }

  static void publish(const std::string &uri, const json &diagnostics) {
    writeMessage({{"jsonrpc", "2.0"}, {"method", "textDocument/publishDiagnostics"},
                  {"params", {{"uri", uri}, {"diagnostics", diagnostics}}}});
  }

  /// The last analysis that parsed, and the byte offset in its text of the position.
  const Parsed *at(const json &params, uint32_t &offset) {
    auto it = Documents.find(params.at("textDocument").at("uri").get<std::string>());
    if (it == Documents.end() || !it->second.good) return nullptr;
    const json &p = params.at("position");
    offset = offsetOf(it->second.good->source->text(), p.at("line"), p.at("character"));
    return it->second.good.get();
  }

  json hover(const json &params) {
    uint32_t offset;
    const Parsed *p = at(params, offset);
    Span where;
    const tooling::Symbol *s = p ? p->analysis.symbolAt(offset, &where) : nullptr;
    if (!s) return nullptr;
    std::string text = "```zy\n" + s->signature + "\n```";
    // What the check saw it bound to: a variable's type, a parameter's per call signature.
    bool here = s->span.valid() && s->span.file == p->source.get(); // the types are of this file's names
    if (auto it = here ? p->types.find(s->span.begin) : p->types.end(); it != p->types.end()) {
      text += "\n\n";
      for (size_t i = 0; i < std::min(it->second.size(), MaxTypesShown); ++i)
        text += (i ? " or `" : "`") + it->second[i] + "`";
      text += it->second.size() > MaxTypesShown ? ", ..." : "";
    }
    if (!s->doc.empty()) text += "\n\n" + s->doc;
    return {{"contents", {{"kind", "markdown"}, {"value", text}}}, {"range", rangeOf(where)}};
  }

  /// A real file for a span: the standard library's sources, which are built into zy,
  /// are written once to a cache directory so that an editor can open them.
  std::string fileOf(const Span &span) {
    const std::string &name = span.file->name();
    const std::string prefix = "<stdlib>/";
    if (name.rfind(prefix, 0) != 0) return fs::absolute(name).string();
    const char *cache = std::getenv("XDG_CACHE_HOME");
    const char *home = std::getenv("HOME");
    fs::path dir = cache && *cache ? fs::path(cache) : home && *home ? fs::path(home) / ".cache" : fs::temp_directory_path();
    dir = dir / "zy" / ("stdlib-" ZY_VERSION);
    fs::path file = dir / name.substr(prefix.size());
    std::error_code ec;
    fs::create_directories(dir, ec);
    std::ifstream existing(file, std::ios::binary);
    std::string old((std::istreambuf_iterator<char>(existing)), std::istreambuf_iterator<char>());
    if (old != span.file->text()) {
      fs::path temp = file.string() + ".tmp" + std::to_string(::getpid());
      std::ofstream(temp, std::ios::binary) << span.file->text();
      fs::rename(temp, file, ec);
    }
    return file.string();
  }

  json definition(const json &params) {
    uint32_t offset;
    const Parsed *p = at(params, offset);
    const tooling::Symbol *s = p ? p->analysis.symbolAt(offset) : nullptr;
    if (!s || !s->span.valid()) return nullptr;
    return {{"uri", uriOfPath(fileOf(s->span))}, {"range", rangeOf(s->span)}};
  }

  json completion(const json &params) {
    auto it = Documents.find(params.at("textDocument").at("uri").get<std::string>());
    if (it == Documents.end()) return json::array();
    // What is typed before the cursor, in the current text: `NAME.` or a prefix.
    const std::string &text = it->second.text;
    const json &pos = params.at("position");
    uint32_t cursor = offsetOf(text, pos.at("line"), pos.at("character"));
    auto isName = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    uint32_t start = cursor;
    while (start > 0 && isName(text[start - 1])) --start;
    std::string base;
    if (start > 0 && text[start - 1] == '.') {
      uint32_t b = start - 1;
      while (b > 0 && isName(text[b - 1])) --b;
      base = text.substr(b, start - 1 - b);
    }
    json items = json::array();
    std::set<std::string> seen;
    auto offer = [&](const std::string &label, int kind, const std::string &detail) {
      if (!seen.insert(label).second) return;
      items.push_back({{"label", label}, {"kind", kind}, {"detail", detail}});
    };
    auto kindOf = [](const tooling::Symbol &s) {
      switch (s.kind) {
      case tooling::Symbol::Function: case tooling::Symbol::Builtin: return 3;
      case tooling::Symbol::Module: return 9;
      default: return 6;
      }
    };
    const Parsed *good = it->second.good.get();
    // The analysis is of the last text that parsed: look the position up by line and column.
    uint32_t offset = good ? offsetOf(good->source->text(), pos.at("line"), pos.at("character")) : 0;
    if (!base.empty()) {
      const tooling::Symbol *b = nullptr;
      if (good)
        for (const tooling::Symbol *s : good->analysis.visibleAt(offset, Library))
          if (s->name == base) {
            b = s;
            break;
          }
      if (!b) b = Library.lookup(base);
      // A record the check saw the name bound to: its fields, with their types.
      if (b && good && b->span.valid() && b->span.file == good->source.get())
        if (auto f = good->fields.find(b->span.begin); f != good->fields.end())
          for (const auto &[name, type] : f->second) offer(name, 5, type);
      if (b && b->kind == tooling::Symbol::Module) {
        for (const auto &[name, member] : b->members) offer(name, kindOf(*member), member->signature);
      } else if (b && b->kind == tooling::Symbol::Parameter && good) {
        // A params tree: the paths declared or read on it in this file (`p.w ~ ...`, `p.layers`).
        const std::string &src = good->source->text();
        for (size_t at = src.find(base + "."); at != std::string::npos; at = src.find(base + ".", at + 1)) {
          if (at > 0 && isName(src[at - 1])) continue;
          size_t f = at + base.size() + 1, e = f;
          while (e < src.size() && isName(src[e])) ++e;
          if (e > f) offer(src.substr(f, e - f), 5, "params path " + base + "." + src.substr(f, e - f));
        }
      }
      return items;
    }
    if (good)
      for (const tooling::Symbol *s : good->analysis.visibleAt(offset, Library)) offer(s->name, kindOf(*s), s->signature);
    else
      for (const auto &[name, s] : Library.globals()) offer(name, kindOf(*s), s->signature);
    for (const char *k : {"fn", "let", "if", "else", "for", "in", "while", "break", "continue", "assert", "test",
                          "import", "as", "and", "or", "not", "true", "false", "none"})
      offer(k, 14, "keyword");
    return items;
  }

  json formatting(const json &params) {
    auto it = Documents.find(params.at("textDocument").at("uri").get<std::string>());
    if (it == Documents.end()) return nullptr;
    SourceFile file(pathOfUri(it->first), it->second.text);
    Diagnostics diags;
    std::optional<std::string> formatted = syntax::formatSource(file, diags);
    if (!formatted || *formatted == it->second.text) return json::array();
    json end = positionOf(it->second.text, static_cast<uint32_t>(it->second.text.size()));
    return json::array({{{"range", {{"start", {{"line", 0}, {"character", 0}}}, {"end", end}}}, {"newText", *formatted}}});
  }
};

} // namespace

const char *const LspUsage =
    "usage: zy lsp\n"
    "\n"
    "The language server: speaks the Language Server Protocol on standard input and output\n"
    "(JSON-RPC with Content-Length headers) for an editor to start. It publishes syntax\n"
    "errors, unknown names and modules' members, and calls with the wrong arguments as you\n"
    "type, and answers hover (signature and documentation), go to definition (into imports\n"
    "and the standard library), completion (names, module members, params paths) and\n"
    "formatting (`zy fmt`'s layout). docs/editors.md shows how to use it from Neovim and VS Code.\n";

int lspCommand(const std::vector<std::string> &args) {
  if (!args.empty()) {
    std::cerr << "zy: `zy lsp` takes no arguments (it talks to an editor on standard input and output)\n";
    return 64;
  }
  Server server;
  while (std::optional<std::string> body = readMessage(std::cin)) {
    json message = json::parse(*body, nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
      writeMessage({{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", -32700}, {"message", "not JSON-RPC: cannot parse the message"}}}});
      continue;
    }
    if (!server.handle(message)) return server.exitStatus();
  }
  return 1; // the input ended without `exit`
}

} // namespace zy::driver
