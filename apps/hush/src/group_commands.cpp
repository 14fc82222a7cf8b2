// The group commands: `group create|add|remove|admin|rename|leave|info` and `groups`. A change
// goes to every member as a signed update (queued when the server cannot be reached: exit code
// kExitNetwork, and it goes at the next connection); `group info` and `groups` read the store only.
// GROUP is a group's id (32 hex digits) or its name when no other group has it.
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "message_json.hpp"
#include "message_text.hpp"

namespace hush::cli {

namespace {

// "bob, carol,dave" → {"bob", "carol", "dave"}.
std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream in(list);
  std::string name;
  while (std::getline(in, name, ',')) {
    const auto first = name.find_first_not_of(' ');
    const auto last = name.find_last_not_of(' ');
    if (first != std::string::npos) names.push_back(name.substr(first, last - first + 1));
  }
  return names;
}

void print_group(const client::GroupState& group, bool json, const std::string& own_username) {
  if (json) {
    std::cout << to_json_line(group_to_json(group, own_username)) << std::endl;
    return;
  }
  std::cout << group_to_text(group, own_username) << "\n";
  for (const std::string& member : group.members) {
    std::cout << "  " << member << (group.is_admin(member) ? "  admin" : "") << "\n";
  }
  std::cout << std::flush;
}

// Connects (offline, the change is queued) and runs `change`; prints the new state's line.
template <class Change>
int change_and_print(Session& session, const std::string& what, Change change) {
  const Connected connected = connect_session(session, "cannot connect", /*queue_offline=*/true);
  if (connected.stop) return *connected.stop;
  Result<client::GroupState, client::ClientError> changed = change(*session.messenger);
  if (!changed.ok()) return report_failure(what, changed.error());
  std::cout << group_to_text(*changed, session.account->username()) << std::endl;
  if (connected.offline) return report_queued(*connected.offline);
  return kExitOk;
}

}  // namespace

CommandRun define_group(CLI::App& command) {
  struct Options {
    std::string group, name, members;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* create = command.add_subcommand("create", "Create a group with you as its admin; prints its id");
  create->add_option("name", options->name, "The group's name (1 to 128 bytes)")->required();
  create->add_option("--members", options->members, "The other members")->type_name("NAME[,NAME...]")->required();
  struct Change {
    const char* name;
    const char* summary;
    const char* member_help;
  };
  static constexpr Change kChanges[] = {
      {"add", "Add a member (admins only)", "The account to add"},
      {"remove", "Remove a member (admins only); the group's keys change so they cannot read on", "The member"},
      {"admin", "Make a member an admin too (admins only)", "The member"},
      {"rename", "Rename the group (admins only)", "The new name"},
  };
  std::vector<CLI::App*> changes;
  for (const Change& change : kChanges) {
    CLI::App* sub = command.add_subcommand(change.name, change.summary);
    sub->add_option("group", options->group, "GROUP: its id or its name")->required();
    sub->add_option("name", options->name, change.member_help)->required();
    changes.push_back(sub);
  }
  CLI::App* leave = command.add_subcommand("leave", "Leave the group (an only admin names another first)");
  leave->add_option("group", options->group, "GROUP: its id or its name")->required();
  CLI::App* info = command.add_subcommand("info", "Show a group's name, id and members (offline)");
  info->add_option("group", options->group, "GROUP: its id or its name")->required();
  info->add_flag("--json", options->json, "One JSON object: id, name, revision, members, admins, ...");
  command.require_subcommand(1);
  return [options, create, changes, leave, info](const GlobalOptions& global) -> int {
    auto opened = open_home(global);
    if (!opened.ok()) return opened.error();
    Session& session = **opened;
    client::Messenger& messenger = *session.messenger;
    const std::string own = session.account->username();
    if (create->parsed()) {
      const Connected connected = connect_session(session, "cannot connect", /*queue_offline=*/true);
      if (connected.stop) return *connected.stop;
      auto created = messenger.create_group(options->name, split_names(options->members));
      if (!created.ok()) return report_failure("create the group", created.error());
      std::cout << to_hex(created->id) << std::endl;
      if (connected.offline) return report_queued(*connected.offline);
      return kExitOk;
    }
    auto group = messenger.find_group(options->group);
    if (!group.ok()) return report_failure("group " + options->group, group.error());
    const Bytes id = group->id;
    if (info->parsed()) {
      print_group(*group, options->json, own);
      return kExitOk;
    }
    if (leave->parsed()) {
      return change_and_print(session, "leave " + options->group,
                              [&](client::Messenger& m) { return m.leave_group(id); });
    }
    const std::string& name = options->name;
    const std::string what = "change " + options->group;
    if (changes[0]->parsed()) {
      return change_and_print(session, what, [&](client::Messenger& m) { return m.add_group_member(id, name); });
    }
    if (changes[1]->parsed()) {
      return change_and_print(session, what, [&](client::Messenger& m) { return m.remove_group_member(id, name); });
    }
    if (changes[2]->parsed()) {
      return change_and_print(session, what, [&](client::Messenger& m) { return m.add_group_admin(id, name); });
    }
    return change_and_print(session, what, [&](client::Messenger& m) { return m.rename_group(id, name); });
  };
}

CommandRun define_groups(CLI::App& command) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "One JSON object per line (as group info --json)");
  return [json](const GlobalOptions& global) -> int {
    auto session = open_home(global);
    if (!session.ok()) return session.error();
    auto groups = (*session)->messenger->groups();
    if (!groups.ok()) return report_failure("groups", groups.error());
    const std::string own = (*session)->account->username();
    for (const client::GroupState& group : *groups) {
      std::cout << (*json ? to_json_line(group_to_json(group, own)) : group_to_text(group, own)) << "\n";
    }
    std::cout << std::flush;
    return kExitOk;
  };
}

}  // namespace hush::cli
