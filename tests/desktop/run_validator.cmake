# cmake -DTOOL=name -DARGS=a;b;c -P run_validator.cmake: runs TOOL ARGS, fails when the tool is
# missing or reports a problem (its output is shown either way).
find_program(tool_path ${TOOL})
if(NOT tool_path)
  message(FATAL_ERROR "${TOOL} is not installed: run scripts/install-deps.sh "
                      "(Debian packages desktop-file-utils and appstream)")
endif()
execute_process(COMMAND ${tool_path} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TOOL} ${ARGS} failed (exit ${rc})")
endif()
# desktop-file-validate exits 0 on warnings too: any warning or error line fails the test.
if("${out}${err}" MATCHES "(error|warning):")
  message(FATAL_ERROR "${TOOL} reported problems")
endif()
