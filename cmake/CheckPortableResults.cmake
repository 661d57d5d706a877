# cmake -DRESULTS=<dir> -P CheckPortableResults.cmake
# Fails when a committed result file (bench/results/**/*.json) holds a machine's absolute path
# as a JSON string value (a scratch, temporary or home directory): a fresh clone on another
# machine must be able to read and regenerate everything. bench/portable_result.py rewrites
# such files; bench/run_lib.sh and bench/partial_from_store.py apply it when they export.
if(NOT RESULTS OR NOT IS_DIRECTORY "${RESULTS}")
  message(FATAL_ERROR "CheckPortableResults: RESULTS must name the results folder (got '${RESULTS}')")
endif()
file(GLOB_RECURSE files "${RESULTS}/*.json")
set(bad 0)
foreach(file IN LISTS files)
  file(READ "${file}" text)
  # A string value (after ':' or '[' or ',') that starts with '/'.
  string(REGEX MATCHALL "[:,[][ \t\r\n]*\"/[^\"]*\"" hits "${text}")
  foreach(hit IN LISTS hits)
    string(REGEX REPLACE "^[:,[][ \t\r\n]*" "" value "${hit}")
    message("${file}: absolute path ${value}; run bench/portable_result.py on it")
    math(EXPR bad "${bad} + 1")
  endforeach()
endforeach()
list(LENGTH files count)
if(bad GREATER 0)
  message(FATAL_ERROR "${bad} absolute path(s) in ${RESULTS}")
endif()
message("${count} result files, no absolute paths")
