# SPDX-License-Identifier: GPL-2.0-or-later
# A page of docs/ that is the output of ws1002: docs/rules.md (--rules-markdown)
# and docs/messages.md (--messages-markdown).
#   cmake -DWS1002=<ws1002> -DOPTION=<--rules-markdown> -DDOC=<docs/rules.md> -DTARGET=<rules-doc>
#         -DMODE=check|update [-DBUILD_DIR=<dir>] -P generated_doc.cmake
# check: fail, naming the command to regenerate, if the file differs from the output.
# update: rewrite the file.

foreach(var WS1002 OPTION DOC TARGET MODE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "generated_doc.cmake: -D${var}=... is required")
  endif()
endforeach()
get_filename_component(name ${DOC} NAME)

execute_process(
  COMMAND ${WS1002} ${OPTION}
  OUTPUT_VARIABLE generated
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "'${WS1002} ${OPTION}' failed (${rc})")
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
    "docs/${name} differs from what the table it is generated from gives. Regenerate it with\n"
    "  cmake --build ${BUILD_DIR} --target ${TARGET}\n"
    "(or: ws1002 ${OPTION} > docs/${name}) and commit the result.")
endif()
message(STATUS "docs/${name} is in sync")
