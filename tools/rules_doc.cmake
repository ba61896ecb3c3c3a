# SPDX-License-Identifier: GPL-2.0-or-later
# docs/rules.md is the output of `ws1002 --rules-markdown`.
#   cmake -DWS1002=<ws1002> -DDOC=<docs/rules.md> -DMODE=check|update [-DBUILD_DIR=<dir>] -P rules_doc.cmake
# check: fail, naming the command to regenerate, if the file is stale.
# update: rewrite the file.

foreach(var WS1002 DOC MODE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "rules_doc.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(
  COMMAND ${WS1002} --rules-markdown
  OUTPUT_VARIABLE generated
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "'${WS1002} --rules-markdown' failed (${rc})")
endif()

if(MODE STREQUAL "update")
  file(WRITE ${DOC} "${generated}")
  message(STATUS "wrote ${DOC}")
  return()
endif()

if(EXISTS ${DOC})
  file(READ ${DOC} committed)
else()
  set(committed "")
endif()
if(NOT committed STREQUAL generated)
  if(NOT DEFINED BUILD_DIR)
    set(BUILD_DIR "<build-dir>")
  endif()
  message(FATAL_ERROR
    "docs/rules.md is out of date with the rule table. Regenerate it with\n"
    "  cmake --build ${BUILD_DIR} --target rules-doc\n"
    "(or: ws1002 --rules-markdown > docs/rules.md) and commit the result.")
endif()
message(STATUS "docs/rules.md is in sync")
