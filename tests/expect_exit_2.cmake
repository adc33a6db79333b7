# Runs `${QVSIM} validate ${SCENARIO}` and fails unless it exits with code 2 and names the file.
execute_process(COMMAND ${QVSIM} validate ${SCENARIO}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "expected exit code 2, got ${rc}\nstdout: ${out}\nstderr: ${err}")
endif()
get_filename_component(name ${SCENARIO} NAME)
string(FIND "${err}" "${name}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "error message does not name ${name}: ${err}")
endif()
