// Lsp.cpp: `zy lsp`, the Language Server Protocol on standard input and output.
//
// JSON-RPC 2.0 messages framed by `Content-Length` headers (nlohmann/json parses them).
// Each open document is re-analysed on every change: parsed (syntax errors), then
// tooling::analyze (names, module members, arity), whose errors are published at once;
// when it finds nothing, the whole-program check of `zy run` (interp/Check.h: shapes,
// dtypes, param paths) runs on the text as typed, for at most a second, in a child
// process of its own (a fork): requests are answered while it runs, a newer text cancels
// it, and nothing it does (a hang, a crash) can reach the server. Its result (an error,
// the types it saw) comes back over a pipe as JSON and is published then. Hover,
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
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace zy::driver {

namespace {

// ---------------------------------------------------------------- framing

/// Cuts messages out of standard input as it arrives, without blocking: the server
/// waits on its input and on running checks at once (poll).
class Framer {
public:
  /// Reads what standard input has now; false at its end.
  bool fill() {
    char chunk[1 << 16];
    ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) return false;
    Buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  /// The next whole message's body, if one has arrived.
  std::optional<std::string> next() {
    size_t at = 0, length = 0;
    bool sawLength = false;
    for (;;) {
      size_t nl = Buffer.find('\n', at);
      if (nl == std::string::npos) return std::nullopt;
      std::string line = Buffer.substr(at, nl - at);
      at = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (!sawLength) { // a stray blank line between messages
          Buffer.erase(0, at);
          at = 0;
          continue;
        }
        if (Buffer.size() - at < length) return std::nullopt;
        std::string body = Buffer.substr(at, length);
        Buffer.erase(0, at + length);
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
  }

private:
  std::string Buffer;
};

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

/// The whole-program check (interp/Check.h) gets this long per version of a file; what
/// it has not reached by then is left unreported.
constexpr double CheckSeconds = 1.0;
/// A check process still running this long after it started is stopped (the check keeps
/// to its own budget; this is for one that cannot, a hang between two of its polls).
constexpr double CheckKillSeconds = 10.0;

using Clock = std::chrono::steady_clock;

/// A check of one version of a document, running in a child process.
struct RunningCheck {
  pid_t pid = -1;
  int output = -1;     // the read end of the pipe the child writes its result to
  std::string written; // what it has written so far
  Clock::time_point deadline;
};

struct Document {
  std::string text;
  std::unique_ptr<Parsed> good;        // the last version that parsed
  std::optional<RunningCheck> running; // the check of this text, until it ends
};

class Server {
public:
  Server() : Library(Interp) {}
  ~Server() {
    for (auto &[uri, d] : Documents) cancel(d);
  }

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
        if (auto it = Documents.find(uri); it != Documents.end()) cancel(it->second);
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

  /// The pipes of the checks that are running, to wait on beside standard input.
  std::vector<pollfd> checkOutputs() const {
    std::vector<pollfd> fds;
    for (const auto &[uri, d] : Documents)
      if (d.running) fds.push_back({d.running->output, POLLIN, 0});
    return fds;
  }

  /// How long the server may wait for input before a running check is past its deadline
  /// (milliseconds; -1 when no check runs).
  int waitLimit() const {
    int limit = -1;
    for (const auto &[uri, d] : Documents)
      if (d.running) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d.running->deadline - Clock::now()).count();
        int ms = static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
        limit = limit < 0 ? ms : std::min(limit, ms);
      }
    return limit;
  }

  /// Reads what the running checks wrote; publishes the result of each that ended, and
  /// stops those past their deadline.
  void collectChecks() {
    for (auto &[uri, d] : Documents) {
      if (!d.running) continue;
      RunningCheck &r = *d.running;
      char chunk[1 << 16];
      ssize_t n;
      while ((n = ::read(r.output, chunk, sizeof chunk)) > 0) r.written.append(chunk, static_cast<size_t>(n));
      bool ended = n == 0, late = !ended && Clock::now() >= r.deadline;
      if (!ended && !late) continue;
      if (late) ::kill(r.pid, SIGKILL);
      int status = 0;
      ::waitpid(r.pid, &status, 0);
      ::close(r.output);
      json result = json::parse(r.written, nullptr, false);
      json list = json::array();
      bool read = ended && WIFEXITED(status) && WEXITSTATUS(status) == 0 && result.is_object();
      try { // outside any request's handler: a result of another shape must not stop the server
        if (read) list = applyCheck(d, result);
      } catch (const std::exception &) {
        read = false;
      }
      if (!read) // the check stopped without a result: say so where the server's log goes, report nothing
        std::cerr << "zy lsp: the check of " << pathOfUri(uri) << (late ? " took too long" : " stopped without a result")
                  << "; its errors are not shown\n";
      d.running.reset();
      publish(uri, list);
    }
  }

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
    cancel(d); // of a text that is gone
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
    if (parsed->module) d.good = std::move(parsed);
    // Only a file the analysis finds no mistake in is checked: its mistakes come first.
    // The diagnostics are published when the check ends (until then the editor keeps
    // showing the last ones, rather than clearing an error only to show it again).
    if (problems.empty() && d.good) {
      if (startCheck(d, path)) return;
      list = applyCheck(d, checkResult(path, d.text)); // no process to run it in: run it here
    }
    publish(uri, list);
  }

  /// Starts the check of `d`'s text in a child process; false if none could be started.
  static bool startCheck(Document &d, const std::string &path) {
    int pipeEnds[2];
    if (::pipe(pipeEnds) != 0) return false;
    pid_t pid = ::fork();
    if (pid < 0) {
      ::close(pipeEnds[0]);
      ::close(pipeEnds[1]);
      return false;
    }
    if (pid == 0) {
      // The child: its standard output is the editor's channel, which is the server's alone.
      ::close(pipeEnds[0]);
      int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, STDOUT_FILENO);
      int status = 1;
      try {
        std::string out = checkResult(path, d.text).dump(-1, ' ', false, json::error_handler_t::replace);
        status = 0;
        for (size_t at = 0; at < out.size();) {
          ssize_t n = ::write(pipeEnds[1], out.data() + at, out.size() - at);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) {
            status = 1;
            break;
          }
          at += static_cast<size_t>(n);
        }
      } catch (...) {
      }
      ::_exit(status); // no destructors, no atexit handlers of the server's state
    }
    ::close(pipeEnds[1]);
    ::fcntl(pipeEnds[0], F_SETFL, ::fcntl(pipeEnds[0], F_GETFL) | O_NONBLOCK);
    auto limit = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(CheckKillSeconds));
    d.running = RunningCheck{pid, pipeEnds[0], "", Clock::now() + limit};
    return true;
  }

  /// Stops `d`'s running check, if any (its text has changed or is closed).
  static void cancel(Document &d) {
    if (!d.running) return;
    ::kill(d.running->pid, SIGKILL);
    ::waitpid(d.running->pid, nullptr, 0);
    ::close(d.running->output);
    d.running.reset();
  }

  /// The result of the check of `d`'s text: the types it saw go to the text's analysis;
  /// returns the diagnostics to publish.
  static json applyCheck(Document &d, const json &result) {
    if (d.good) {
      d.good->types = result.at("types").get<std::map<uint32_t, std::vector<std::string>>>();
      d.good->fields = result.at("fields").get<std::map<uint32_t, std::map<std::string, std::string>>>();
    }
    json list = json::array();
    if (!result.at("error").is_null()) list.push_back(result.at("error"));
    return list;
  }

  /// The whole-program check of `zy run` (interp/Check.h: shapes, dtypes, param paths)
  /// on the text as typed: {"error": a diagnostic or null, "types": what each name of the
  /// file was bound to, by its offset, "fields": the fields of those bound to a record}.
  static json checkResult(const std::string &path, const std::string &text) {
    Parsed parsed; // only its types and fields are filled
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
    json result = {{"error", nullptr}, {"types", parsed.types}, {"fields", parsed.fields}};
    if (!error) return result;
    json item = {{"severity", 1}, {"source", "zy check"}, {"message", error->message}};
    // An error in an imported file is shown at this file's first place on its call chain
    // (the notes: "in this call to `dense`"), else at the file's start; every note goes
    // with it as related information. The spans' files are the checker's.
    auto here = [&](const Span &s) { return s.valid() && s.file->name() == path; };
    item["range"] = here(error->span) ? rangeOf(error->span) : fileStart();
    if (!here(error->span))
      for (const Note &note : error->notes)
        if (here(note.span)) {
          item["range"] = rangeOf(note.span);
          break;
        }
    json related = json::array();
    if (error->span.valid() && !here(error->span))
      related.push_back({{"location", {{"uri", uriOfPath(fileOf(error->span))}, {"range", rangeOf(error->span)}}},
                         {"message", "the error is here"}});
    for (const Note &note : error->notes)
      if (note.span.valid())
        related.push_back({{"location", {{"uri", here(note.span) ? uriOfPath(path) : uriOfPath(fileOf(note.span))},
                                         {"range", rangeOf(note.span)}}},
                           {"message", note.message}});
    if (!related.empty()) item["relatedInformation"] = related;
    result["error"] = item;
    return result;
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
  static std::string fileOf(const Span &span) {
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
  Framer input;
  for (bool open = true; open;) {
    while (std::optional<std::string> body = input.next()) {
      json message = json::parse(*body, nullptr, false);
      if (message.is_discarded() || !message.is_object()) {
        writeMessage({{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", -32700}, {"message", "not JSON-RPC: cannot parse the message"}}}});
        continue;
      }
      if (!server.handle(message)) return server.exitStatus();
    }
    // Wait for the editor and for the running checks at once.
    std::vector<pollfd> fds = server.checkOutputs();
    fds.insert(fds.begin(), pollfd{STDIN_FILENO, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), server.waitLimit()) < 0 && errno != EINTR) break;
    if (fds[0].revents) open = input.fill();
    server.collectChecks();
  }
  return 1; // the input ended without `exit`
}

} // namespace zy::driver
